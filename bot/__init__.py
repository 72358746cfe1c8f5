"""Zalo OA backend for a commune's Tổ công nghệ số cộng đồng."""

__version__ = "0.1.0"
