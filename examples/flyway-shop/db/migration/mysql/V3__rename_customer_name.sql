-- Release 1.2: customers.name becomes customers.full_name, its index renamed
-- in the same statement.  CHANGE restates the whole column definition.

ALTER TABLE customers
    CHANGE name full_name VARCHAR(120) NOT NULL,
    RENAME INDEX ix_customers_name TO ix_customers_full_name;
