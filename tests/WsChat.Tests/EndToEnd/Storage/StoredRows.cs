using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>A room's rows read straight from the database, to check what wschat shows against what it stored.</summary>
internal static class StoredRows
{
    /// <summary>From a SQLite file wschat has open (WAL: this read-only connection sees every commit, blocks nothing).</summary>
    public static async Task<List<(long Id, string Text)>> SqliteAsync(string path, string room)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using SqliteCommand select = connection.CreateCommand();
        select.CommandText = "SELECT id, text FROM messages WHERE conversation = $c ORDER BY id";
        select.Parameters.AddWithValue("$c", "#" + room);
        var rows = new List<(long, string)>();
        await using SqliteDataReader reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    /// <summary>From PostgreSQL (conversation and text are stored as UTF-8 bytea).</summary>
    public static async Task<List<(long Id, string Text)>> PostgresAsync(string connectionString, string room)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT id, text FROM messages WHERE conversation = @c ORDER BY id", connection);
        select.Parameters.AddWithValue("c", Encoding.UTF8.GetBytes("#" + room));
        var rows = new List<(long, string)>();
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(1))));
        return rows;
    }
}
