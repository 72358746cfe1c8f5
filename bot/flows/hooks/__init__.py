"""Python hooks named by flow files (`check`, `branch`, `action`), one module per flow."""
