"""Fixed keys so a failing test can be replayed; never used outside tests."""

TEST_FERNET_KEY = "5lK9Jc3BNjvQzvOBMyGmUYBz1lgP2bmpCTEeYk5Cnko="
TEST_SECRETS = {
    "JWT_SECRET": "test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "FIELD_ENCRYPTION_KEYS": TEST_FERNET_KEY,
    "BLIND_INDEX_KEY": "test-blind-index-key-0123456789abcdefghijklmnop",
}
