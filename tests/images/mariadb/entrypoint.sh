#!/bin/sh
set -eu
password="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD is required}}"
datadir=/var/lib/mysql
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
    mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
        --skip-test-db >/dev/null
fi
cat > /run/mysqld/init.sql <<SQL
CREATE USER IF NOT EXISTS 'root'@'%';
ALTER USER 'root'@'%' IDENTIFIED BY '$password';
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --skip-name-resolve \
    --init-file=/run/mysqld/init.sql --innodb-flush-log-at-trx-commit=0 --sync-binlog=0
