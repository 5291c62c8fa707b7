"""Proofs for every size: the counter abstraction of process families, liveness to safety, and
the prover on both.
"""
