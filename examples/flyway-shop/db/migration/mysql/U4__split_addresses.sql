-- Undo release 1.3: copy addresses back onto customers, drop addresses.
-- The columns go back to their 1.0 place (after email).

ALTER TABLE customers
    ADD COLUMN street VARCHAR(200) NULL AFTER email,
    ADD COLUMN city VARCHAR(100) NULL AFTER street;

UPDATE customers c
JOIN addresses a ON a.customer_id = c.id
SET c.street = a.street,
    c.city   = a.city;

DROP TABLE addresses;
