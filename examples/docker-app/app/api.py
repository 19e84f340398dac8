"""The HTTP API. Which fields an item has depends on the release (see app/releases.py):

1  id, name          2  + price_cents          3  + tags          4  + description
5  name is renamed to title
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select
from sqlalchemy.engine import Connection, Engine
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from app.migrate import current_revision
from app.releases import Release

PAGE_SIZE = 3


class Schema:
    """The tables as this release's code sees them."""

    def __init__(self, release: Release) -> None:
        self.release = release
        self.name = "title" if release.has("title") else "name"
        columns = [Column("id", Integer, primary_key=True), Column(self.name, String(100), nullable=False)]
        if release.has("price_cents"):
            columns.append(Column("price_cents", Integer, nullable=False))
        if release.has("description"):
            columns.append(Column("description", String(200), nullable=True))
        metadata = MetaData()
        self.items = Table("items", metadata, *columns)
        self.tags = None
        if release.has("tags"):
            self.tags = Table(
                "tags",
                metadata,
                Column("id", Integer, primary_key=True),
                Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
                Column("label", String(50), nullable=False),
            )

    def parse(self, body: Any) -> tuple[dict[str, Any], list[str]]:
        """The columns and tags of a new item from a request body; BadRequest if it is invalid."""
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        name = body.get(self.name)
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise BadRequest(f"{self.name} is required: a string of 1 to 100 characters")
        values: dict[str, Any] = {self.name: name}
        if self.release.has("price_cents"):
            price = body.get("price_cents", 0)
            if not isinstance(price, int) or isinstance(price, bool) or price < 0:
                raise BadRequest("price_cents must be a whole number, 0 or more")
            values["price_cents"] = price
        if self.release.has("description"):
            description = body.get("description")
            if description is not None and (not isinstance(description, str) or len(description) > 200):
                raise BadRequest("description must be a string of at most 200 characters, or null")
            values["description"] = description
        tags = body.get("tags", []) if self.release.has("tags") else []
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 50 for t in tags):
            raise BadRequest("tags must be a list of strings of 1 to 50 characters")
        return values, tags

    def add(self, connection: Connection, values: dict[str, Any], tags: list[str]) -> int:
        item_id = connection.execute(self.items.insert().values(**values)).inserted_primary_key[0]
        if tags:
            connection.execute(self.tags.insert(), [{"item_id": item_id, "label": label} for label in tags])
        return item_id

    def read(self, connection: Connection, query) -> list[dict[str, Any]]:
        """The items a select() of the items table finds, as the API returns them."""
        items = [dict(row) for row in connection.execute(query.order_by(self.items.c.id)).mappings()]
        if self.tags is not None:
            by_id = {item["id"]: item for item in items}
            for item in items:
                item["tags"] = []
            found = select(self.tags.c.item_id, self.tags.c.label).where(self.tags.c.item_id.in_(list(by_id)))
            for item_id, label in connection.execute(found.order_by(self.tags.c.id)):
                by_id[item_id]["tags"].append(label)
        return items


def create_app(release: Release, engine: Engine) -> Flask:
    app = Flask("app")
    schema = Schema(release)

    @app.errorhandler(HTTPException)
    def json_error(error: HTTPException):
        return {"error": error.description}, error.code

    @app.get("/health")
    def health():
        with engine.connect() as connection:
            return {"status": "ok", "release": release.name, "revision": current_revision(connection)}

    @app.post("/items")
    def create_item():
        values, tags = schema.parse(request.get_json(silent=True))
        with engine.begin() as connection:
            item_id = schema.add(connection, values, tags)
            [item] = schema.read(connection, select(schema.items).where(schema.items.c.id == item_id))
        return item, 201

    @app.get("/items")
    def list_items():
        page = request.args.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            raise BadRequest("page must be a whole number, 1 or more")
        page = int(page)
        query = select(schema.items).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        with engine.connect() as connection:
            items = schema.read(connection, query)
        more = len(items) > PAGE_SIZE
        return {"items": items[:PAGE_SIZE], "next": f"/items?page={page + 1}" if more else None}

    @app.get("/items/<int:item_id>")
    def get_item(item_id: int):
        with engine.connect() as connection:
            found = schema.read(connection, select(schema.items).where(schema.items.c.id == item_id))
        if not found:
            raise NotFound(f"no item {item_id}")
        return found[0]

    return app
