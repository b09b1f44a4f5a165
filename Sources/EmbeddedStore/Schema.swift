import GRDB

/// The tables of the embedded store, created by versioned migrations so that a file written by an older node opens in a
/// newer one: a migration that has run is never edited, a change of schema is a new migration.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: aggregates, events, answers, tokens, meta") { db in
            // Each aggregate is its JSON form (docs/persistence.md) with the columns the planning reads query: the
            // versioned ones are written with `… WHERE version = $loaded`, so a lost update fails instead of winning.
            try db.execute(
                sql: """
                    CREATE TABLE conversations (
                        id INTEGER PRIMARY KEY,
                        version INTEGER NOT NULL,
                        json BLOB NOT NULL,
                        lease_deadline INTEGER,
                        lease_token INTEGER
                    );
                    CREATE INDEX conversations_lease_deadline ON conversations(lease_deadline);
                    CREATE TABLE users (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, json BLOB NOT NULL);
                    CREATE TABLE user_roles (
                        user_id INTEGER NOT NULL,
                        role_id INTEGER NOT NULL,
                        PRIMARY KEY (user_id, role_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX user_roles_role ON user_roles(role_id, user_id);
                    CREATE TABLE queues (id INTEGER PRIMARY KEY, json BLOB NOT NULL);
                    CREATE TABLE roles (id INTEGER PRIMARY KEY, json BLOB NOT NULL);
                    CREATE TABLE events (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        instant INTEGER NOT NULL,
                        json BLOB NOT NULL
                    );
                    CREATE TABLE answers (
                        principal TEXT NOT NULL,
                        key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (principal, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX answers_created_at ON answers(created_at);
                    CREATE TABLE tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE INDEX tokens_subject ON tokens(kind, subject);
                    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
