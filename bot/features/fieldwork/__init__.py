"""The teams' own door-to-door work ("Ghi nhận hỗ trợ"): records made in Zalo, figures."""
