import PostgresNIO

/// The shared database's tables, created and migrated by the nodes themselves: each migration runs once, in order,
/// inside one transaction that holds an advisory lock, so nodes starting together migrate once. A migration that has
/// run is never edited; a change of schema is a new migration (docs/shared-store.md describes every table).
enum SharedSchema {
    /// The advisory lock key of migrations and of the directory's first load.
    static let migrationLock: Int64 = 0x6269_6E6F_6375_6C61  // "binocula"
    static let directoryLock: Int64 = 0x6269_6E6F_6469_7265  // "binodire"

    static let migrations: [(version: Int, name: String, sql: String)] = [
        (
            1, "aggregates, outbox, answers, tokens",
            """
            CREATE TABLE conversations (
                id bigint PRIMARY KEY,
                version bigint NOT NULL,
                body bytea NOT NULL,
                lease_deadline bigint,
                lease_token bigint
            );
            CREATE INDEX conversations_lease_deadline ON conversations (lease_deadline) WHERE lease_deadline IS NOT NULL;
            CREATE SEQUENCE conversation_ids;
            CREATE TABLE users (id bigint PRIMARY KEY, version bigint NOT NULL, body bytea NOT NULL);
            CREATE TABLE user_roles (user_id bigint NOT NULL, role_id bigint NOT NULL, PRIMARY KEY (user_id, role_id));
            CREATE INDEX user_roles_role ON user_roles (role_id, user_id);
            CREATE TABLE queues (id bigint PRIMARY KEY, body bytea NOT NULL);
            CREATE TABLE roles (id bigint PRIMARY KEY, body bytea NOT NULL);
            CREATE TABLE outbox (
                sequence bigserial PRIMARY KEY,
                instant bigint NOT NULL,
                node text NOT NULL,
                events bytea NOT NULL,
                deliveries bytea NOT NULL,
                conversations bigint[] NOT NULL,
                users bigint[] NOT NULL,
                queues bigint[] NOT NULL,
                roles bigint[] NOT NULL
            );
            CREATE TABLE answers (
                principal text NOT NULL,
                key text NOT NULL,
                fingerprint text NOT NULL,
                status integer NOT NULL,
                body bytea NOT NULL,
                created_at bigint NOT NULL,
                PRIMARY KEY (principal, key)
            );
            CREATE INDEX answers_created_at ON answers (created_at);
            CREATE TABLE tokens (hash text PRIMARY KEY, kind text NOT NULL, subject bigint NOT NULL);
            """
        )
    ]

    /// Brings the database up to the last migration; returns the versions applied now.
    @discardableResult
    static func migrate(_ connection: BlockingConnection) throws -> [Int] {
        try connection.query("BEGIN")
        do {
            try connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try connection.query(
                """
                CREATE TABLE IF NOT EXISTS binoculars_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            var applied = Set<Int>()
            for row in try connection.query("SELECT version FROM binoculars_migrations").rows {
                applied.insert(try row.decode(Int.self))
            }
            var now: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                try connection.execute(script: migration.sql)
                try connection.query("INSERT INTO binoculars_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
                now.append(migration.version)
            }
            try connection.query("COMMIT")
            return now
        } catch {
            _ = try? connection.query("ROLLBACK")
            throw error
        }
    }
}
