using System.Text;
using WsChat.Host.Web;

namespace WsChat.Tests.Host.Web;

public class StaticAssetCatalogTests
{
    private static Dictionary<string, byte[]> Files(params (string Name, string Text)[] files) =>
        files.ToDictionary(f => f.Name, f => Encoding.UTF8.GetBytes(f.Text));

    private static string Text(StaticAsset asset) => Encoding.UTF8.GetString(asset.Body);

    [Test]
    public void FromAssembly_BundledClient_HasThePageTheAppAndTheLibrary()
    {
        var catalog = StaticAssetCatalog.FromAssembly();
        Assert.That(catalog.Assets.Keys, Is.SupersetOf(new[] { "index.html", "app.js", "app.css", "wschat.js" }));
        Assert.That(catalog.Assets["wschat.js"].ContentType, Is.EqualTo("text/javascript; charset=utf-8"));
        Assert.That(Text(catalog.Assets["wschat.js"]), Does.Contain("export class WsChatClient"));
    }

    [Test]
    public void FromAssembly_BundledIndex_ReferencesEveryAssetByItsFingerprint()
    {
        var catalog = StaticAssetCatalog.FromAssembly();
        string index = Text(catalog.Assets["index.html"]);
        Assert.That(index, Does.Contain($"\"/static/app.js?v={catalog.Assets["app.js"].Fingerprint}\""));
        Assert.That(index, Does.Contain($"\"/static/app.css?v={catalog.Assets["app.css"].Fingerprint}\""));
        Assert.That(Text(catalog.Assets["app.js"]), Does.Contain($"'./wschat.js?v={catalog.Assets["wschat.js"].Fingerprint}'"));
    }

    [Test]
    public void Catalog_LeafChanges_FingerprintOfEveryFileReferencingItChanges()
    {
        var before = new StaticAssetCatalog(Files(("index.html", "<script src=\"/static/a.js\">"), ("a.js", "import './b.js';"), ("b.js", "1")));
        var after = new StaticAssetCatalog(Files(("index.html", "<script src=\"/static/a.js\">"), ("a.js", "import './b.js';"), ("b.js", "2")));

        Assert.That(after.Assets["b.js"].Fingerprint, Is.Not.EqualTo(before.Assets["b.js"].Fingerprint));
        Assert.That(after.Assets["a.js"].Fingerprint, Is.Not.EqualTo(before.Assets["a.js"].Fingerprint), "a.js embeds b.js's URL");
        Assert.That(after.Assets["index.html"].Fingerprint, Is.Not.EqualTo(before.Assets["index.html"].Fingerprint));
        Assert.That(Text(after.Assets["index.html"]), Is.EqualTo($"<script src=\"/static/a.js?v={after.Assets["a.js"].Fingerprint}\">"));
    }

    [Test]
    public void Catalog_FingerprintOfRewrittenFile_IsTheHashOfTheBytesServed()
    {
        var catalog = new StaticAssetCatalog(Files(("a.js", "import './b.js';"), ("b.js", "export {}")));
        var same = new StaticAssetCatalog(new Dictionary<string, byte[]> { ["x.js"] = catalog.Assets["a.js"].Body });
        Assert.That(catalog.Assets["a.js"].Fingerprint, Is.EqualTo(same.Assets["x.js"].Fingerprint));
        Assert.That(catalog.Assets["a.js"].ETag, Is.EqualTo("\"" + catalog.Assets["a.js"].Fingerprint + "\""));
    }

    [Test]
    public void Catalog_UnquotedOrUnknownReferences_AreLeftAlone()
    {
        var catalog = new StaticAssetCatalog(Files(("a.js", "// see ./b.js and '/static/c.js' and './b.jsx'"), ("b.js", "x")));
        Assert.That(Text(catalog.Assets["a.js"]), Is.EqualTo("// see ./b.js and '/static/c.js' and './b.jsx'"));
    }

    [Test]
    public void Catalog_BinaryFile_IsNeverRewritten()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', (byte)'\'', (byte)'.', (byte)'/', (byte)'b', (byte)'.', (byte)'j', (byte)'s', (byte)'\''];
        var catalog = new StaticAssetCatalog(new Dictionary<string, byte[]> { ["i.png"] = png, ["b.js"] = [1] });
        Assert.That(catalog.Assets["i.png"].Body, Is.EqualTo(png));
        Assert.That(catalog.Assets["i.png"].ContentType, Is.EqualTo("image/png"));
    }

    [Test]
    public void Catalog_FilesReferencingEachOther_ThrowsInsteadOfLooping()
    {
        Assert.Throws<InvalidOperationException>(() => new StaticAssetCatalog(Files(("a.js", "import './b.js';"), ("b.js", "import './a.js';"))));
    }

    [TestCase("x.html", "text/html; charset=utf-8")]
    [TestCase("x.JS", "text/javascript; charset=utf-8")]
    [TestCase("x.css", "text/css; charset=utf-8")]
    [TestCase("x.svg", "image/svg+xml")]
    [TestCase("x", "application/octet-stream")]
    [TestCase("x.exe", "application/octet-stream")]
    public void ContentTypes_For_MapsExtension(string name, string expected) =>
        Assert.That(ContentTypes.For(name), Is.EqualTo(expected));
}
