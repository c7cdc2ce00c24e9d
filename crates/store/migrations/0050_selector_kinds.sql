-- XPath, JSONPath and jq selectors beside CSS and JSON pointer. A monitor
-- holds at most one selector for HTML and one for JSON: whether its URL
-- answers HTML or JSON is known only when it is fetched.
ALTER TABLE monitors
    ADD COLUMN xpath     text,
    ADD COLUMN json_path text,
    ADD COLUMN jq_filter text,
    ADD CONSTRAINT monitors_one_html_selector CHECK (num_nonnulls(css_selector, xpath) <= 1),
    ADD CONSTRAINT monitors_one_json_selector CHECK (num_nonnulls(json_pointer, json_path, jq_filter) <= 1);
