"""Everything that decides: instantiation, engines, verdicts, traces, reports and the CLI."""
