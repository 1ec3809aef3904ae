"""The HTTP layer, one module per flow (``verification``, ``recovery``, ``guardians``) on what
they share (``base``): thin views that parse, call the flow and answer; the rules live in the
flows."""
