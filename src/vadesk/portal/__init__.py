"""The client portal: each client's own cards in a browser, over the same services."""
