"""svctui's model: plain data and pure logic, standard library only (tests/test_layers.py checks)."""
