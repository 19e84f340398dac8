-- Undo release 1.0: drop everything (children first).

DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE customers;
