-- Seed data for release 1.3 (addresses split out of customers).
-- Every customer has exactly one address row.
INSERT INTO customers (id, full_name, email, created_at, phone) VALUES
  (301, 'Rania Haddad',     'Rania.Haddad@example.lb',    '2024-01-16 10:00:00', '+961 1 555 301'),
  (302, 'Sven Olsen',       'sven.olsen@example.no',      '2024-01-17 12:30:00', NULL),
  (303, 'Tomás García',     'Tomas.Garcia@Example.ES',    '2024-01-18 09:45:00', '+34 91 555 0303'),
  (304, 'Uma Patel',        'uma.patel@example.co.uk',    '2024-01-20 16:16:16', NULL),
  (305, 'Viktor Horvath',   'VIKTOR@horvath.example',     '2024-01-22 08:00:00', '+36 1 555 0305');

INSERT INTO addresses (id, customer_id, street, city) VALUES
  (1301, 301, 'Rue Hamra 40',         'Beirut'),
  (1302, 302, 'Karl Johans gate 1',   'Oslo'),
  (1303, 303, 'Calle Mayor 12',       'Madrid'),
  (1304, 304, '221B Baker Street',    'London'),
  (1305, 305, NULL,                   'Budapest');

INSERT INTO products (id, sku, name, price_cents) VALUES
  (301, 'HD-NVY-M',  'Hoodie, navy, M',             4900),
  (302, 'BNE-WOOL',  'Wool beanie',                 2200),
  (303, 'NB-A4',     'Notebook A4, lined',           650),
  (304, 'MUG-ESP',   'Espresso cup set (2)',        1599);

INSERT INTO orders (id, customer_id, created_at, status) VALUES
  (301, 301, '2024-01-16 10:30:00', 'paid'),
  (302, 302, '2024-01-17 13:00:00', 'new'),
  (303, 303, '2024-01-19 18:00:00', 'shipped'),
  (304, 303, '2024-01-25 11:11:00', 'delivered'),
  (305, 304, '2024-01-21 09:00:00', 'cancelled'),
  (306, 305, '2024-01-23 20:00:00', 'new');

INSERT INTO order_items (order_id, product_id, quantity) VALUES
  (301, 301, 1),
  (301, 302, 1),
  (302, 303, 3),
  (303, 304, 1),
  (304, 302, 2),
  (305, 301, 1),
  (306, 303, 1),
  (306, 304, 2);
