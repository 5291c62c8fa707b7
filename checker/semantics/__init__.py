"""What every engine shares: an instance (params bound, state layout), compiled expressions,
traces, properties, verdicts, run control.
"""
