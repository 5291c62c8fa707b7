"""The engines: explicit search and liveness on the state graph, the symbolic engines (bmc,
kind, pdr) and the every-size counters.
"""
