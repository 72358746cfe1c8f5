"""The 5 basic digital skills (5 kỹ năng số cơ bản): lessons, quizzes and who mastered them."""
