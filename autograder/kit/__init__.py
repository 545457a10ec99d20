"""The student kit: public cases recorded from the reference, and the zip students download."""
