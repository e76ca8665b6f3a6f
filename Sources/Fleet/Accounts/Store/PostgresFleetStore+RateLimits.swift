import Foundation
import PostgresNIO

/// The PostgreSQL engine's rate-limit buckets: one call of `switchyard_spend` (created by the
/// `v4-rate-buckets` migration), which locks the key's row, refills it by the server's clock,
/// decides and writes, in one round trip.
extension PostgresFleetStore {
    public func spend(_ spend: BucketSpend) async throws(AccountsError) -> BucketLevels {
        let rows = try await rows(
            "update the rate limits in",
            """
            SELECT admitted, request_level, token_level FROM switchyard_spend(
                \(spend.keyID), \(spend.requestsPerMinute), \(spend.tokensPerMinute), \(spend.arrivalEstimate), \(spend.tokens))
            """)
        return try decode("update the rate limits in") {
            guard let row = rows.first else {
                throw AccountsError(.database, "switchyard_spend returned no row")
            }
            let (admitted, requests, tokens) = try row.decode((Bool, Double?, Double?).self)
            return BucketLevels(admitted: admitted, requests: requests, tokens: tokens)
        }
    }

    /// The `v4-rate-buckets` migration: the table, and the function that applies
    /// `BucketLevels.apply`'s rule under the row's lock.
    static let rateBucketMigration: [PostgresQuery] = [
        """
        CREATE TABLE rate_bucket (
            key_id TEXT PRIMARY KEY NOT NULL,
            request_level DOUBLE PRECISION,
            token_level DOUBLE PRECISION,
            updated_ms BIGINT NOT NULL
        )
        """,
        """
        CREATE FUNCTION switchyard_spend(
            p_key TEXT, p_rpm BIGINT, p_tpm BIGINT, p_estimate BIGINT, p_tokens BIGINT
        ) RETURNS TABLE (admitted BOOLEAN, request_level DOUBLE PRECISION, token_level DOUBLE PRECISION)
        LANGUAGE plpgsql AS $$
        DECLARE
            now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
            stored rate_bucket%ROWTYPE;
            minutes DOUBLE PRECISION;
            r DOUBLE PRECISION;
            t DOUBLE PRECISION;
            ok BOOLEAN := TRUE;
        BEGIN
            INSERT INTO rate_bucket (key_id, request_level, token_level, updated_ms)
                VALUES (p_key, p_rpm, p_tpm, now_ms) ON CONFLICT (key_id) DO NOTHING;
            SELECT * INTO stored FROM rate_bucket WHERE rate_bucket.key_id = p_key FOR UPDATE;
            minutes := GREATEST(0, now_ms - stored.updated_ms) / 60000.0;
            IF p_rpm IS NOT NULL AND p_rpm > 0 THEN
                r := LEAST(p_rpm, COALESCE(stored.request_level, p_rpm) + minutes * p_rpm);
            END IF;
            IF p_tpm IS NOT NULL AND p_tpm > 0 THEN
                t := LEAST(p_tpm, COALESCE(stored.token_level, p_tpm) + minutes * p_tpm);
            END IF;
            IF p_estimate IS NOT NULL THEN
                IF r IS NOT NULL AND r < 1 THEN ok := FALSE; END IF;
                IF t IS NOT NULL AND (GREATEST(0, p_estimate) > p_tpm OR t < GREATEST(0, p_estimate)) THEN ok := FALSE; END IF;
                IF ok AND r IS NOT NULL THEN r := r - 1; END IF;
            END IF;
            IF t IS NOT NULL AND p_tokens <> 0 THEN
                IF p_tokens > 0 THEN t := t - p_tokens; ELSE t := LEAST(p_tpm, t - p_tokens); END IF;
            END IF;
            UPDATE rate_bucket SET request_level = r, token_level = t, updated_ms = GREATEST(stored.updated_ms, now_ms)
                WHERE rate_bucket.key_id = p_key;
            RETURN QUERY SELECT ok, r, t;
        END
        $$
        """,
    ]
}
