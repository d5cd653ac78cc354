"""Every write of the desk, one module per concept. Services take keyword-only arguments;
`user=` is always the acting user (the editor who assigns or publishes, the annotator who
rates), checked against `articles.roles` before anything is written."""
