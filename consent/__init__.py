"""Cookie consent: sites, categories, services and cookies; regions and privacy signals; decisions;
append-only consent records with signed receipts; the banner script; the cookie policy."""
