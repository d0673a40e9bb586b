"""The shared core of veille: errors, YAML loading with line numbers, text folding, timestamps."""
