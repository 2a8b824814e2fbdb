"""One module per hop kind: each `decide` is a pure function returning a typed decision."""
