namespace WsChat.Tests;

public class SmokeTests
{
    [Test]
    public void Solution_Builds_AndTheTestRunnerRuns() => Assert.That(typeof(WsChat.Host.Program).Assembly.GetName().Name, Is.EqualTo("wschat"));
}
