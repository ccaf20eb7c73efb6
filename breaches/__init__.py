"""Personal data breaches (Art. 33-34 GDPR): every breach documented, its 72-hour clock."""
