"""Personal data: the notice at first contact, erasure on request, the summary, retention."""
