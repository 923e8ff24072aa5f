-- +goose Up
-- Every product under every category it sits in, directly or through a
-- sub-category: the closure of catalog_product_categories over the
-- category tree. A listing of a category and its sub-categories reads
-- this key newest product first and stops at the page's end, whatever the
-- size of the subtree.
CREATE TABLE catalog_product_ancestors (
    category_id TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    PRIMARY KEY (category_id, product_id)
);
CREATE INDEX catalog_product_ancestors_product ON catalog_product_ancestors (product_id);

-- +goose StatementBegin
WITH RECURSIVE up(category_id, product_id) AS (
    SELECT category_id, product_id FROM catalog_product_categories
    UNION SELECT c.parent_id, up.product_id FROM up JOIN catalog_categories c ON c.id = up.category_id WHERE c.parent_id IS NOT NULL)
INSERT INTO catalog_product_ancestors (category_id, product_id) SELECT category_id, product_id FROM up;
-- +goose StatementEnd

-- +goose Down
DROP TABLE catalog_product_ancestors;
