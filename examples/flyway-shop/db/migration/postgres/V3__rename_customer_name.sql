-- Release 1.2: customers.name becomes customers.full_name.

ALTER TABLE customers RENAME COLUMN name TO full_name;

ALTER INDEX ix_customers_name RENAME TO ix_customers_full_name;
