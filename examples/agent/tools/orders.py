"""The order database the example's tools read: a stand-in for a team's own service."""

ORDERS = {
    1001: {"status": "shipped", "eta": "2026-12-04"},
    1002: {"status": "delivered"},
    1003: {"status": "processing"},
}
