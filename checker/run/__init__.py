"""Running a check: params to instances, engine dispatch, every-size orchestration, diff and
threshold commands, result types and exit codes.
"""
