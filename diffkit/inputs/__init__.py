"""What the user gives, made safe: the parser (a scanner, then an AST whitelist; never
eval), the point (``--at``) and a Python function's arguments."""
