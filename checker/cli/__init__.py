"""The command line: click commands that read options, call the layers below and print what
they return (docs/architecture.md).
"""
