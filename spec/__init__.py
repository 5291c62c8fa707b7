"""The language: grammar, parser, AST, type checking, the IR and its text form. Never imports z3."""
