using System.Text.Json;
using WsChat.Host.Web;

namespace WsChat.Tests.Host.Web;

public class ClientConfigHandlerTests
{
    [Test]
    public void Handle_Development_SaysSoWithoutTokenUrl()
    {
        var r = new ClientConfigHandler(development: true, tokenUrl: null).Handle("GET");
        Assert.That(r.StatusCode, Is.EqualTo(200));
        using var json = JsonDocument.Parse(r.Body);
        Assert.That(json.RootElement.GetProperty("development").GetBoolean(), Is.True);
        Assert.That(json.RootElement.GetProperty("tokenUrl").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void Handle_TokenUrl_IsEscapedJson()
    {
        const string url = "https://login.example/token?a=\"b\"&c=</script>";
        var r = new ClientConfigHandler(development: false, tokenUrl: url).Handle("GET");
        using var json = JsonDocument.Parse(r.Body);
        Assert.That(json.RootElement.GetProperty("development").GetBoolean(), Is.False);
        Assert.That(json.RootElement.GetProperty("tokenUrl").GetString(), Is.EqualTo(url));
    }

    [Test]
    public void Handle_Head_HasNoBodyAndPost_Is405()
    {
        var handler = new ClientConfigHandler(false, null);
        Assert.That(handler.Handle("HEAD").Body.IsEmpty, Is.True);
        Assert.That(handler.Handle("POST").StatusCode, Is.EqualTo(405));
    }
}
