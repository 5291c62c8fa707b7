"""The symbolic engines on one instance: the Z3 encoding, bmc, k-induction, PDR, certificates,
and liveness by lassos.
"""
