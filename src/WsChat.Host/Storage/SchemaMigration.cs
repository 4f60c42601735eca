namespace WsChat.Host.Storage;

/// <summary>One step of a store's schema: applied once, in version order, recorded in the version table.</summary>
/// <param name="Version">1, 2, 3…: never renumbered, never edited once shipped (add a new one instead).</param>
/// <param name="Description">What it does, kept in the version table for whoever inspects the database.</param>
/// <param name="Sql">The statements, run in the migration's transaction.</param>
internal sealed record SchemaMigration(int Version, string Description, string Sql);
