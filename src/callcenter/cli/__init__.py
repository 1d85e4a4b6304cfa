"""The ``callcenter`` command line: parse -> one facade call -> render."""
