-- Seed data for release 1.1 (products.price_cents, customers.phone).
INSERT INTO customers (id, name, email, street, city, created_at, phone) VALUES
  (101, 'Grace Hopper',     'Grace.Hopper@Navy.example',  '1 Arlington Ridge',   'Arlington',  '2023-05-15 09:00:00', '+1 703 555 0101'),
  (102, 'Hiro Tanaka',      'hiro.tanaka@example.jp',     '3-1-1 Shibuya',       'Tokyo',      '2023-05-16 01:23:45', '+81 3 5555 0102'),
  (103, 'Ingrid Johansson', 'Ingrid.J@Example.SE',        'Storgatan 7',         'Uppsala',    '2023-05-18 13:14:15', NULL),
  (104, 'Jamal Bakr',       'jamal.bakr@example.com',     NULL,                  'Cairo',      '2023-05-20 18:00:00', '+20 2 5550 0104'),
  (105, 'Kasia Nowak',      'KASIA.NOWAK@example.pl',     'ul. Dluga 15',        'Gdansk',     '2023-05-22 10:10:10', NULL);

INSERT INTO products (id, sku, name, price_cents) VALUES
  (101, 'CAP-NVY',   'Baseball cap, navy',          1599),
  (102, 'BTL-STL',   'Steel water bottle, 750 ml',  2450),
  (103, 'SCK-3PK',   'Socks, 3 pack',                 999),
  (104, 'PST-A2',    'Poster A2, matte',             1200),
  (105, 'KEY-RING',  'Key ring, enamel',              450),
  (106, 'GFT-CARD',  'Gift card, 25',                2500);

INSERT INTO orders (id, customer_id, created_at, status) VALUES
  (101, 101, '2023-05-15 09:30:00', 'delivered'),
  (102, 102, '2023-05-16 02:00:00', 'shipped'),
  (103, 102, '2023-05-25 22:40:00', 'paid'),
  (104, 103, '2023-05-19 08:00:00', 'new'),
  (105, 105, '2023-05-23 12:12:12', 'cancelled'),
  (106, 104, '2023-05-24 15:45:00', 'paid');

INSERT INTO order_items (order_id, product_id, quantity) VALUES
  (101, 101, 1),
  (101, 103, 2),
  (102, 102, 1),
  (103, 106, 2),
  (103, 105, 1),
  (104, 104, 3),
  (105, 101, 1),
  (106, 103, 1),
  (106, 102, 2),
  (106, 105, 4);
