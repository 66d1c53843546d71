"""Tests of the accounts area."""
