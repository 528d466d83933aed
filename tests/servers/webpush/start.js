// web-push-testing's server on 127.0.0.1 only (its own bin listens on every interface);
// prints "listening <port>" once it accepts connections (the test fixture waits for it).
const TestingServer = require('web-push-testing/src/server.js');
const {PushApiModel} = require('web-push-testing/src/PushApiModel.js');

const port = Number(process.argv[2]);
const server = new TestingServer(new PushApiModel(), port);
server._server = server._app.listen(port, '127.0.0.1', () => console.log('listening ' + port));
server._server.on('error', err => { console.log('error ' + err.message); process.exit(1); });
server.setRequestHandlers();
