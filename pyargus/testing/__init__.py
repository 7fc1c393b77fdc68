"""Test a glue service against a real Argus server (a pytest plugin)."""
