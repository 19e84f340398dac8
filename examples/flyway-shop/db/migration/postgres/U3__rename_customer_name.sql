-- Undo release 1.2: customers.full_name back to customers.name.

ALTER INDEX ix_customers_full_name RENAME TO ix_customers_name;

ALTER TABLE customers RENAME COLUMN full_name TO name;
