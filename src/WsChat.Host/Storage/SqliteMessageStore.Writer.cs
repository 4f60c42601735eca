using Microsoft.Data.Sqlite;
using WsChat.Core.Ports;

namespace WsChat.Host.Storage;

internal sealed partial class SqliteMessageStore
{
    /// <summary>
    /// The writer connection and its two prepared statements. Used by one append at a time (the batcher
    /// makes at most one call at once), so it needs no lock.
    /// </summary>
    /// <remarks>Plain prepared commands rather than Dapper here: this runs once per message, and re-binding
    /// eight parameter values costs nothing while Dapper would build a parameter object per row.</remarks>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _insert;
        private readonly SqliteCommand _findRef;
        private readonly SqliteParameter[] _insertArgs;
        private readonly SqliteParameter[] _findArgs;
        private readonly Dictionary<(string Conversation, string FromId, string Ref), StoredMessage> _batchRefs = [];

        public Writer(SqliteConnection connection)
        {
            _connection = connection;
            _insert = connection.CreateCommand();
            _insert.CommandText = "INSERT INTO messages (conversation, id, from_id, from_name, text, ts, ref, to_id) VALUES ($c, $id, $f, $n, $x, $t, $r, $to)";
            _insertArgs = [.. new[] { "$c", "$id", "$f", "$n", "$x", "$t", "$r", "$to" }.Select(name => _insert.Parameters.Add(new SqliteParameter { ParameterName = name }))];
            _findRef = connection.CreateCommand();
            _findRef.CommandText = "SELECT id FROM messages WHERE conversation = $c AND from_id = $f AND ref = $r AND ts >= $nb ORDER BY id DESC LIMIT 1";
            _findArgs = [.. new[] { "$c", "$f", "$r", "$nb" }.Select(name => _findRef.Parameters.Add(new SqliteParameter { ParameterName = name }))];
        }

        public void Append(ReadOnlySpan<StoredMessage> batch, Span<AppendOutcome> outcomes)
        {
            // IMMEDIATE: take the write lock now (waiting up to busy_timeout), not halfway through the batch.
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            _insert.Transaction = tx;
            _findRef.Transaction = tx;
            _batchRefs.Clear();
            for (int i = 0; i < batch.Length; i++)
            {
                ref readonly StoredMessage m = ref batch[i];
                if (m.Ref is not null)
                {
                    if (TryFindDuplicate(in m, out long existingId))
                    {
                        outcomes[i] = AppendOutcome.DuplicateOf(existingId);
                        continue;
                    }

                    _batchRefs[(m.Conversation.Value, m.FromId, m.Ref)] = m;
                }

                _insertArgs[0].Value = m.Conversation.Value;
                _insertArgs[1].Value = m.Id;
                _insertArgs[2].Value = m.FromId;
                _insertArgs[3].Value = m.FromName;
                _insertArgs[4].Value = m.Text;
                _insertArgs[5].Value = m.Timestamp;
                _insertArgs[6].Value = (object?)m.Ref ?? DBNull.Value;
                _insertArgs[7].Value = (object?)m.To ?? DBNull.Value;
                _insert.ExecuteNonQuery();
                outcomes[i] = AppendOutcome.Stored;
            }

            tx.Commit();
            _batchRefs.Clear();
        }

        private bool TryFindDuplicate(in StoredMessage m, out long existingId)
        {
            long notBefore = m.Timestamp - IMessageStore.DedupWindowMilliseconds;
            if (_batchRefs.TryGetValue((m.Conversation.Value, m.FromId, m.Ref!), out StoredMessage earlier) && earlier.Timestamp >= notBefore)
            {
                existingId = earlier.Id;
                return true;
            }

            _findArgs[0].Value = m.Conversation.Value;
            _findArgs[1].Value = m.FromId;
            _findArgs[2].Value = m.Ref;
            _findArgs[3].Value = notBefore;
            object? found = _findRef.ExecuteScalar();
            existingId = found is long id ? id : 0;
            return found is long;
        }

        public void Dispose()
        {
            _insert.Dispose();
            _findRef.Dispose();
            _connection.Dispose();
        }
    }
}
