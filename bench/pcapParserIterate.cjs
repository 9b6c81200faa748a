// What a user would pick instead in JavaScript: the npm package `pcap-parser` (0.2.1),
// iterating every packet of the pcap file (no decoding beyond its own record parsing).
const pcapParser = require('pcap-parser');

let packets = 0;
let bytes = 0;
const parser = pcapParser.parse(process.argv[2]);
parser.on('packet', (p) => { packets++; bytes += p.header.originalLength; });
parser.on('error', (e) => { console.error(String(e)); process.exitCode = 1; });
parser.on('end', () => { process.stdout.write(JSON.stringify({ packets, bytes }) + '\n'); });
