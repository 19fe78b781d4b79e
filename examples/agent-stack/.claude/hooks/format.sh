#!/bin/sh
# Formats the Python file Claude Code just edited.
exec uv run --directory agent ruff format "$@"
