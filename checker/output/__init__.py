"""Output: text, JSON, JUnit, SARIF, ITF, DOT and threshold and diff reports, rendered from the
data the run layer returns. No solver here.
"""
