/**
 * Generated product "photos": a stylised object on a soft studio backdrop.
 *
 * Everything is derived from the slug, so a picture is stable forever and can
 * be cached as immutable: the object comes from the product noun in the slug
 * ("...-crew-sweater-00042" -> a sweater), the colour from a colour or material
 * word when there is one ("sage", "navy", "copper"), otherwise from a hash, and
 * `index` changes the view (front, turned, mirrored on a plinth, close-up).
 * No text is drawn, so no fonts are needed.
 */

/** The colours of one picture: base, highlight, shade and a contrasting line colour. */
interface Pal {
  c: string;
  hi: string;
  lo: string;
  ln: string;
}

type Draw = (p: Pal) => string;

const SOLE = "#f3f1ec";
const METAL = "#c9ccd1";
const GLASS = "#2b3442";

const sleeves = (long: boolean) =>
  long
    ? "M330 190Q400 232 470 190L560 214Q604 236 616 300L652 560L602 574L560 352L560 600L240 600L240 352L198 574L148 560L184 300Q196 236 240 214Z"
    : "M330 190Q400 232 470 190L560 214L640 300L586 348L556 322L556 600L244 600L244 322L214 348L160 300L240 214Z";

const top =
  (long: boolean, extra: (p: Pal) => string): Draw =>
  (p) =>
    `<path d="${sleeves(long)}" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M330 190Q400 232 470 190" fill="none" stroke="${p.ln}" stroke-width="8"/>${extra(p)}`;

const SHAPES: Record<string, Draw> = {
  sweater: top(true, (p) => `<path d="M240 578H560M602 556L652 548M198 556L148 548" stroke="${p.lo}" stroke-width="16"/>`),
  tee: top(false, (p) => `<path d="M586 340L556 312M214 340L244 312" stroke="${p.lo}" stroke-width="6"/>`),
  shirt: top(
    true,
    (p) =>
      `<path d="M330 190L372 262L400 222L428 262L470 190" fill="${p.hi}" stroke="${p.ln}" stroke-width="4"/><path d="M400 226V600" stroke="${p.ln}" stroke-width="4"/>${[290, 360, 430, 500].map((y) => `<circle cx="412" cy="${y}" r="6" fill="${p.ln}"/>`).join("")}`,
  ),
  polo: top(
    false,
    (p) =>
      `<path d="M330 190L368 250L400 222L432 250L470 190" fill="${p.hi}" stroke="${p.ln}" stroke-width="4"/><path d="M400 222V320" stroke="${p.ln}" stroke-width="4"/><circle cx="412" cy="260" r="6" fill="${p.ln}"/><circle cx="412" cy="300" r="6" fill="${p.ln}"/>`,
  ),
  jacket: top(
    true,
    (p) =>
      `<path d="M330 190Q400 150 470 190L452 230Q400 205 348 230Z" fill="${p.lo}"/><path d="M400 214V600" stroke="${p.ln}" stroke-width="6"/><path d="M280 440H350M450 440H520" stroke="${p.ln}" stroke-width="6" stroke-linecap="round"/>`,
  ),
  hoodie: top(
    true,
    (p) =>
      `<path d="M318 196Q320 120 400 116Q480 120 482 196Q400 250 318 196Z" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><path d="M300 470H500L530 560H270Z" fill="${p.lo}" opacity=".6"/><path d="M384 230V300M416 230V300" stroke="${p.hi}" stroke-width="5"/>`,
  ),
  tank: (p) =>
    `<path d="M330 180H362Q400 252 438 180H470Q476 262 548 304V600H252V304Q324 262 330 180Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/>`,
  trousers: (p) =>
    `<path d="M288 180H512L544 604H424L400 304L376 604H256Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M288 180H512V212H288Z" fill="${p.lo}"/><path d="M300 212Q330 260 360 212M440 212Q470 260 500 212M400 212V300" fill="none" stroke="${p.ln}" stroke-width="4"/>`,
  shorts: (p) =>
    `<path d="M288 330H512L540 598H420L400 456L380 598H260Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M288 330H512V362H288Z" fill="${p.lo}"/><path d="M400 362V440" stroke="${p.ln}" stroke-width="4"/>`,
  shoe: (p) =>
    `<path d="M196 540V446Q202 404 252 398L330 392Q358 352 412 346Q432 402 474 420Q566 450 622 480Q652 502 642 540Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M420 384L448 372M436 404L468 392M454 420L488 410" stroke="${p.hi}" stroke-width="8" stroke-linecap="round"/><path d="M560 460Q600 470 630 500" fill="none" stroke="${p.lo}" stroke-width="10"/><rect x="176" y="536" width="480" height="50" rx="24" fill="${SOLE}" stroke="${p.ln}" stroke-width="4"/>`,
  boot: (p) =>
    `<path d="M206 540V292Q206 266 232 266H380L388 408Q472 420 560 458Q628 488 628 540Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M250 266V220H300V266" fill="none" stroke="${p.lo}" stroke-width="12"/><path d="M206 470H388" stroke="${p.lo}" stroke-width="6"/><rect x="190" y="536" width="452" height="56" rx="14" fill="#3a2f28"/>`,
  sandal: (p) =>
    `<path d="M180 560Q170 520 230 512L600 504Q660 508 650 548Q640 580 580 580L230 584Q186 584 180 560Z" fill="#d8c3a0" stroke="${p.ln}" stroke-width="4"/><path d="M300 512Q330 400 400 400Q470 400 500 508" fill="none" stroke="url(#o)" stroke-width="40"/><path d="M520 508Q560 440 610 506" fill="none" stroke="${p.lo}" stroke-width="24"/>`,
  pan: (p) =>
    `<path d="M176 420L188 470Q360 552 532 470L544 420Z" fill="${p.lo}"/><ellipse cx="360" cy="420" rx="184" ry="76" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="360" cy="416" rx="152" ry="58" fill="${GLASS}" opacity=".85"/><path d="M536 424L700 390" stroke="${p.ln}" stroke-width="30" stroke-linecap="round"/>`,
  pot: (p) =>
    `<path d="M232 330H568L558 560Q556 590 526 590H274Q244 590 242 560Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="330" rx="186" ry="32" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><rect x="376" y="276" width="48" height="30" rx="12" fill="${p.ln}"/><path d="M232 380H194M568 380H606" stroke="${p.ln}" stroke-width="26" stroke-linecap="round"/>`,
  mug: (p) =>
    `<path d="M496 360C604 360 604 520 496 520" fill="none" stroke="${p.lo}" stroke-width="34"/><rect x="266" y="300" width="236" height="290" rx="34" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="384" cy="306" rx="112" ry="16" fill="${p.lo}"/><path d="M350 270Q330 240 350 210Q370 180 350 150M410 270Q390 240 410 210Q430 180 410 150" fill="none" stroke="#fff" stroke-width="8" opacity=".7" stroke-linecap="round"/>`,
  glass: (p) =>
    `<path d="M300 200H500Q510 380 400 420Q290 380 300 200Z" fill="url(#o)" opacity=".75" stroke="${p.ln}" stroke-width="4"/><path d="M312 300H488Q480 390 400 410Q320 390 312 300Z" fill="${p.lo}" opacity=".7"/><path d="M400 420V570" stroke="${p.ln}" stroke-width="10"/><ellipse cx="400" cy="578" rx="90" ry="16" fill="${p.hi}" stroke="${p.ln}" stroke-width="4"/>`,
  plate: (p) =>
    `<ellipse cx="400" cy="486" rx="236" ry="94" fill="${p.lo}"/><ellipse cx="400" cy="470" rx="236" ry="94" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="474" rx="150" ry="56" fill="${p.hi}" stroke="${p.lo}" stroke-width="4"/>`,
  bowl: (p) =>
    `<path d="M214 400Q224 592 400 592Q576 592 586 400Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="400" rx="186" ry="50" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="406" rx="160" ry="36" fill="${p.hi}"/>`,
  bedding: (p) =>
    [
      [196, 470, 408, 112],
      [214, 378, 372, 96],
      [232, 300, 336, 82],
    ]
      .map(
        ([x, y, w, h], i) =>
          `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="26" fill="${i === 1 ? p.hi : "url(#o)"}" stroke="${p.ln}" stroke-width="4"/><path d="M${(x as number) + 30} ${(y as number) + (h as number) / 2}H${(x as number) + (w as number) - 30}" stroke="${p.lo}" stroke-width="4" stroke-dasharray="14 10"/>`,
      )
      .join(""),
  lamp: (p) =>
    `<path d="M390 360V540" stroke="${p.ln}" stroke-width="10"/><path d="M352 400Q300 480 362 560H438Q500 480 448 400Z" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="566" rx="70" ry="14" fill="${p.ln}"/><path d="M300 196H500L562 364H238Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><ellipse cx="400" cy="366" rx="124" ry="16" fill="#fff3c4" opacity=".9"/>`,
  box: (p) =>
    `<path d="M400 236L604 328L400 420L196 328Z" fill="${p.hi}" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M196 328L400 420V604L196 512Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M400 420L604 328V512L400 604Z" fill="${p.lo}" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/>`,
  basket: (p) =>
    `<path d="M300 330Q300 230 400 230Q500 230 500 330" fill="none" stroke="${p.lo}" stroke-width="18"/><path d="M220 330H580L546 592H254Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/>${[380, 430, 480, 530].map((y) => `<path d="M${226 + (y - 330) * 0.13} ${y}H${574 - (y - 330) * 0.13}" stroke="${p.lo}" stroke-width="6"/>`).join("")}<rect x="210" y="316" width="380" height="30" rx="12" fill="${p.lo}"/>`,
  headphones: (p) =>
    `<path d="M252 440V400A148 148 0 0 1 548 400V440" fill="none" stroke="url(#o)" stroke-width="30" stroke-linecap="round"/><rect x="204" y="390" width="100" height="170" rx="44" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="496" y="390" width="100" height="170" rx="44" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="284" y="410" width="30" height="130" rx="14" fill="${p.lo}"/><rect x="486" y="410" width="30" height="130" rx="14" fill="${p.lo}"/>`,
  speaker: (p) =>
    `<rect x="270" y="216" width="260" height="384" rx="40" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><circle cx="400" cy="470" r="84" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><circle cx="400" cy="470" r="30" fill="${p.ln}"/><circle cx="400" cy="316" r="38" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/>`,
  soundbar: (p) =>
    `<rect x="140" y="380" width="520" height="104" rx="44" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="180" y="404" width="440" height="56" rx="24" fill="${p.lo}"/><circle cx="400" cy="500" r="5" fill="#fff"/>`,
  phone: (p) =>
    `<rect x="296" y="176" width="208" height="428" rx="38" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="310" y="194" width="180" height="392" rx="26" fill="${GLASS}"/><path d="M320 560L480 260V200H420Z" fill="#fff" opacity=".08"/><rect x="370" y="204" width="60" height="14" rx="7" fill="#111"/>`,
  tablet: (p) =>
    `<rect x="206" y="190" width="388" height="420" rx="34" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="226" y="210" width="348" height="380" rx="14" fill="${GLASS}"/><path d="M240 580L560 240V214H470Z" fill="#fff" opacity=".08"/><circle cx="400" cy="200" r="4" fill="#111"/>`,
  watch: (p) =>
    `<rect x="350" y="160" width="100" height="480" rx="30" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="314" y="300" width="172" height="200" rx="48" fill="#26272b" stroke="${p.ln}" stroke-width="4"/><rect x="332" y="318" width="136" height="164" rx="34" fill="${GLASS}"/><rect x="484" y="360" width="14" height="40" rx="6" fill="${METAL}"/><path d="M360 400A40 40 0 1 1 440 400" fill="none" stroke="${p.hi}" stroke-width="8" stroke-linecap="round"/>`,
  device: (p) =>
    `<rect x="256" y="256" width="288" height="300" rx="70" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><circle cx="400" cy="400" r="92" fill="${GLASS}"/><path d="M340 430A64 64 0 1 1 460 430" fill="none" stroke="#8fe3c4" stroke-width="10" stroke-linecap="round"/><circle cx="400" cy="520" r="7" fill="#8fe3c4"/>`,
  camera: (p) =>
    `<path d="M300 450V560M250 566H350" stroke="${p.ln}" stroke-width="20" stroke-linecap="round"/><rect x="220" y="320" width="350" height="136" rx="60" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><circle cx="508" cy="388" r="52" fill="#1d2129"/><circle cx="508" cy="388" r="24" fill="#3f5b8c"/><circle cx="500" cy="380" r="7" fill="#fff" opacity=".7"/>`,
  cable: (p) =>
    `<path d="M250 300C440 150 640 440 430 500C270 546 300 640 550 600" fill="none" stroke="url(#o)" stroke-width="18" stroke-linecap="round"/><rect x="216" y="276" width="60" height="40" rx="10" fill="${p.ln}" transform="rotate(-30 246 296)"/><rect x="540" y="584" width="60" height="34" rx="10" fill="${p.ln}"/>`,
  tent: (p) =>
    `<path d="M160 584Q400 120 640 584Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M330 584Q400 360 470 584Z" fill="${p.lo}"/><path d="M400 352V584" stroke="${p.ln}" stroke-width="4"/><path d="M160 584L100 610M640 584L700 610" stroke="${p.ln}" stroke-width="3"/>`,
  roll: (p) =>
    `<rect x="200" y="356" width="360" height="176" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="200" cy="444" rx="40" ry="88" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><ellipse cx="560" cy="444" rx="40" ry="88" fill="${p.hi}" stroke="${p.ln}" stroke-width="4"/><ellipse cx="560" cy="444" rx="22" ry="50" fill="none" stroke="${p.lo}" stroke-width="6"/><path d="M300 356V532M460 356V532" stroke="${p.lo}" stroke-width="16"/>`,
  backpack: (p) =>
    `<path d="M360 224Q360 180 400 180Q440 180 440 224" fill="none" stroke="${p.ln}" stroke-width="14"/><rect x="258" y="216" width="284" height="388" rx="76" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><path d="M262 330Q400 390 538 330" fill="none" stroke="${p.lo}" stroke-width="8"/><rect x="302" y="426" width="196" height="146" rx="36" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><path d="M330 470H470" stroke="${p.ln}" stroke-width="4"/>`,
  bag: (p) =>
    `<path d="M316 340Q316 220 400 220Q484 220 484 340" fill="none" stroke="${p.lo}" stroke-width="18"/><path d="M248 330H552L584 600H216Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><path d="M250 380H550" stroke="${p.lo}" stroke-width="6"/>`,
  bottle: (p) =>
    `<rect x="356" y="180" width="88" height="66" rx="14" fill="${p.ln}"/><path d="M364 246H436Q470 270 470 320V572Q470 604 438 604H362Q330 604 330 572V320Q330 270 364 246Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="330" y="420" width="140" height="70" fill="${p.lo}"/><path d="M350 320V400" stroke="#fff" stroke-width="10" opacity=".35" stroke-linecap="round"/>`,
  kettlebell: (p) =>
    `<path d="M318 400Q304 232 400 228Q496 232 482 400" fill="none" stroke="${p.lo}" stroke-width="40"/><path d="M300 586Q264 540 270 470Q282 350 400 346Q518 350 530 470Q536 540 500 586Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><path d="M330 450Q340 400 380 390" fill="none" stroke="#fff" stroke-width="10" opacity=".3" stroke-linecap="round"/>`,
  dumbbell: (p) =>
    `<rect x="240" y="384" width="320" height="32" rx="10" fill="${METAL}" stroke="${p.ln}" stroke-width="3"/>${[200, 264, 492, 556]
      .map(
        (x, i) => `<rect x="${x}" y="${i % 3 ? 326 : 300}" width="44" height="${i % 3 ? 148 : 200}" rx="16" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/>`,
      )
      .join("")}`,
  jar: (p) =>
    `<rect x="270" y="380" width="260" height="210" rx="36" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="260" y="320" width="280" height="72" rx="16" fill="${p.lo}" stroke="${p.ln}" stroke-width="4"/><rect x="306" y="440" width="188" height="90" rx="10" fill="#fff" opacity=".8"/>`,
  tube: (p) =>
    `<path d="M316 210H484L462 520H338Z" fill="url(#o)" stroke="${p.ln}" stroke-width="4" stroke-linejoin="round"/><rect x="310" y="196" width="180" height="24" rx="4" fill="${p.lo}"/><rect x="350" y="516" width="100" height="80" rx="14" fill="${p.ln}"/><rect x="356" y="320" width="88" height="120" rx="8" fill="#fff" opacity=".75"/>`,
  dropper: (p) =>
    `<rect x="372" y="180" width="56" height="110" rx="28" fill="#2a2a2e"/><rect x="358" y="284" width="84" height="52" rx="8" fill="${METAL}"/><rect x="326" y="330" width="148" height="270" rx="30" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="346" y="420" width="108" height="110" rx="8" fill="#fff" opacity=".8"/>`,
  pump: (p) =>
    `<path d="M388 300V226H474V248H412V300" fill="${p.ln}"/><rect x="360" y="292" width="80" height="30" rx="8" fill="${p.ln}"/><rect x="300" y="318" width="200" height="284" rx="44" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="330" y="410" width="140" height="120" rx="10" fill="#fff" opacity=".75"/>`,
  perfume: (p) =>
    `<rect x="356" y="236" width="88" height="96" rx="12" fill="#c7a14a" stroke="${p.ln}" stroke-width="4"/><rect x="378" y="322" width="44" height="22" fill="${METAL}"/><rect x="286" y="340" width="228" height="252" rx="26" fill="url(#o)" opacity=".9" stroke="${p.ln}" stroke-width="4"/><rect x="308" y="362" width="184" height="208" rx="16" fill="#fff" opacity=".2"/><rect x="340" y="440" width="120" height="54" rx="4" fill="#fff" opacity=".85"/>`,
  candle: (p) =>
    `<path d="M400 232Q372 282 400 312Q428 282 400 232Z" fill="#f6b73c"/><path d="M400 312V340" stroke="#333" stroke-width="4"/><rect x="294" y="336" width="212" height="256" rx="20" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="344" rx="96" ry="16" fill="#f6f1e4"/><rect x="324" y="430" width="152" height="84" rx="6" fill="#fff" opacity=".8"/>`,
  diffuser: (p) =>
    `<path d="M392 400L330 180M400 400V166M408 400L470 184" stroke="#6e4b33" stroke-width="6" stroke-linecap="round"/><rect x="382" y="360" width="36" height="40" fill="#2a2a2e"/><rect x="304" y="396" width="192" height="196" rx="40" fill="url(#o)" opacity=".9" stroke="${p.ln}" stroke-width="4"/><rect x="336" y="460" width="128" height="70" rx="6" fill="#fff" opacity=".8"/>`,
  soap: (p) =>
    `<rect x="236" y="400" width="328" height="168" rx="64" fill="${p.lo}"/><rect x="236" y="380" width="328" height="160" rx="64" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="296" y="420" width="208" height="80" rx="36" fill="none" stroke="${p.lo}" stroke-width="6"/>`,
  blocks: (p) =>
    [
      [228, 456, 172, "url(#o)"],
      [400, 456, 172, p.lo],
      [312, 320, 176, p.hi],
    ]
      .map(
        ([x, y, w, f]) =>
          `<rect x="${x}" y="${y}" width="${w}" height="136" rx="10" fill="${f}" stroke="${p.ln}" stroke-width="4"/><rect x="${(x as number) + 26}" y="${(y as number) - 22}" width="44" height="24" rx="6" fill="${f}" stroke="${p.ln}" stroke-width="4"/><rect x="${(x as number) + (w as number) - 70}" y="${(y as number) - 22}" width="44" height="24" rx="6" fill="${f}" stroke="${p.ln}" stroke-width="4"/>`,
      )
      .join(""),
  plush: (p) =>
    `<circle cx="322" cy="238" r="40" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><circle cx="478" cy="238" r="40" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="490" rx="124" ry="110" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="300" cy="574" rx="50" ry="34" fill="${p.lo}"/><ellipse cx="500" cy="574" rx="50" ry="34" fill="${p.lo}"/><circle cx="400" cy="320" r="100" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="356" rx="46" ry="34" fill="${p.hi}"/><circle cx="364" cy="304" r="9" fill="#222"/><circle cx="436" cy="304" r="9" fill="#222"/><ellipse cx="400" cy="342" rx="14" ry="10" fill="#222"/><ellipse cx="400" cy="500" rx="62" ry="58" fill="${p.hi}"/>`,
  bunny: (p) =>
    `<ellipse cx="356" cy="190" rx="30" ry="92" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="444" cy="190" rx="30" ry="92" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><ellipse cx="400" cy="496" rx="120" ry="106" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><circle cx="400" cy="330" r="92" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><circle cx="366" cy="318" r="9" fill="#222"/><circle cx="434" cy="318" r="9" fill="#222"/><path d="M390 350L400 360L410 350Z" fill="#e79bb0"/><ellipse cx="400" cy="506" rx="58" ry="54" fill="${p.hi}"/>`,
  dice: (p) =>
    `<g transform="rotate(-12 300 470)"><rect x="200" y="370" width="200" height="200" rx="36" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/>${[
      [250, 420],
      [300, 470],
      [350, 520],
    ]
      .map(([x, y]) => `<circle cx="${x}" cy="${y}" r="17" fill="${p.ln}"/>`)
      .join(
        "",
      )}</g><g transform="rotate(14 500 380)"><rect x="410" y="290" width="180" height="180" rx="32" fill="#f6f3ec" stroke="${p.ln}" stroke-width="4"/>${[
      [455, 335],
      [545, 335],
      [455, 425],
      [545, 425],
    ]
      .map(([x, y]) => `<circle cx="${x}" cy="${y}" r="15" fill="${p.c}"/>`)
      .join("")}</g>`,
  puzzle: (p) =>
    `<path d="M260 260H360A45 45 0 1 1 440 260H540V360A45 45 0 1 1 540 440V540H440A45 45 0 1 0 360 540H260V440A45 45 0 1 0 260 360Z" fill="url(#o)" stroke="${p.ln}" stroke-width="5" stroke-linejoin="round" transform="rotate(-8 400 400)"/>`,
  book: (p) =>
    `<rect x="276" y="200" width="278" height="410" rx="10" fill="#f6f3ec" stroke="${p.ln}" stroke-width="4"/><path d="M546 214V596" stroke="#d9d3c4" stroke-width="4"/><rect x="258" y="188" width="282" height="416" rx="12" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="258" y="188" width="34" height="416" rx="8" fill="${p.lo}"/><rect x="336" y="270" width="150" height="64" rx="6" fill="#fff" opacity=".85"/><path d="M500 188V604" stroke="${p.ln}" stroke-width="8" opacity=".6"/>`,
  pen: (p) =>
    `<g transform="rotate(35 400 400)"><rect x="382" y="160" width="36" height="372" rx="16" fill="url(#o)" stroke="${p.ln}" stroke-width="4"/><rect x="382" y="160" width="36" height="140" rx="16" fill="${p.lo}"/><path d="M418 190H430V300" fill="none" stroke="${METAL}" stroke-width="6"/><path d="M384 530L400 624L416 530Z" fill="${METAL}" stroke="${p.ln}" stroke-width="3"/></g>`,
};

/** Names of every object the renderer can draw. */
export const PRODUCT_SHAPES: readonly string[] = Object.keys(SHAPES);

/** Product words to shapes. Two-word keys are checked before single words, and words from the end of the name first. */
const SHAPE_WORDS: Record<string, string> = {
  sweater: "sweater",
  cardigan: "sweater",
  turtleneck: "sweater",
  sweatshirt: "sweater",
  jumper: "sweater",
  tee: "tee",
  "t-shirt": "tee",
  henley: "tee",
  top: "tank",
  polo: "polo",
  shirt: "shirt",
  overshirt: "shirt",
  hoodie: "hoodie",
  jacket: "jacket",
  parka: "jacket",
  coat: "jacket",
  vest: "jacket",
  jeans: "trousers",
  chinos: "trousers",
  trousers: "trousers",
  joggers: "trousers",
  sweatpants: "trousers",
  shorts: "shorts",
  sneaker: "shoe",
  shoe: "shoe",
  slipper: "shoe",
  trainer: "shoe",
  boot: "boot",
  sandal: "sandal",
  flop: "sandal",
  skillet: "pan",
  pan: "pan",
  wok: "pan",
  griddle: "pan",
  saucepan: "pot",
  "dutch-oven": "pot",
  stockpot: "pot",
  teapot: "pot",
  stove: "pot",
  mug: "mug",
  cup: "mug",
  "cup-set": "mug",
  "pen-cup": "mug",
  "glass-set": "glass",
  "tumbler-set": "glass",
  "plate-set": "plate",
  platter: "plate",
  "bowl-set": "bowl",
  carafe: "bottle",
  pitcher: "bottle",
  "duvet-cover": "bedding",
  "sheet-set": "bedding",
  quilt: "bedding",
  "pillowcase-pair": "bedding",
  coverlet: "bedding",
  throw: "bedding",
  blanket: "bedding",
  lamp: "lamp",
  light: "lamp",
  sconce: "lamp",
  lantern: "lamp",
  "bulb-kit": "lamp",
  basket: "basket",
  hamper: "basket",
  box: "box",
  bin: "box",
  rack: "box",
  block: "box",
  organiser: "box",
  stand: "box",
  tray: "box",
  "power-bank": "device",
  headphones: "headphones",
  earbuds: "headphones",
  speaker: "speaker",
  speakers: "speaker",
  soundbar: "soundbar",
  smartphone: "phone",
  "phone-case": "phone",
  tablet: "tablet",
  "e-reader": "tablet",
  smartwatch: "watch",
  watch: "watch",
  tracker: "watch",
  camera: "camera",
  doorbell: "device",
  plug: "device",
  thermostat: "device",
  charger: "device",
  hub: "device",
  cable: "cable",
  sleeve: "bag",
  tent: "tent",
  "sleeping-bag": "roll",
  "sleeping-pad": "roll",
  mat: "roll",
  "desk-mat": "roll",
  roller: "roll",
  "band-set": "roll",
  daypack: "backpack",
  backpack: "backpack",
  bag: "bag",
  bottle: "bottle",
  flask: "bottle",
  "travel-mug": "bottle",
  jar: "jar",
  kettlebell: "kettlebell",
  "dumbbell-pair": "dumbbell",
  serum: "dropper",
  oil: "dropper",
  moisturiser: "jar",
  cream: "jar",
  "hand-cream": "tube",
  "styling-cream": "tube",
  cleanser: "tube",
  mask: "jar",
  salts: "jar",
  scrub: "jar",
  shampoo: "pump",
  conditioner: "pump",
  spray: "pump",
  "body-wash": "pump",
  "body-lotion": "pump",
  "room-spray": "perfume",
  parfum: "perfume",
  toilette: "perfume",
  candle: "candle",
  diffuser: "diffuser",
  soap: "soap",
  blocks: "blocks",
  "construction-set": "blocks",
  "marble-run": "blocks",
  "tile-set": "blocks",
  tower: "blocks",
  bear: "plush",
  fox: "plush",
  elephant: "plush",
  whale: "plush",
  dinosaur: "plush",
  bunny: "bunny",
  game: "dice",
  puzzle: "puzzle",
  "puzzle-box": "puzzle",
  teaser: "puzzle",
  notebook: "book",
  journal: "book",
  sketchbook: "book",
  planner: "book",
  notepad: "book",
  cookbook: "book",
  guide: "book",
  book: "book",
  collection: "book",
  bookends: "book",
  pen: "pen",
  pencil: "pen",
  "fineliner-set": "pen",
  "pencil-set": "pen",
};

/** Colour and material words to colours. */
const COLOR_WORDS: Record<string, string> = {
  red: "#c8372d",
  blue: "#2f5d9e",
  green: "#3f7d4e",
  black: "#2a2b30",
  white: "#f4f4f1",
  navy: "#22335a",
  olive: "#6b7040",
  sand: "#d8c3a0",
  sage: "#9fb39a",
  slate: "#5d6b78",
  ivory: "#f3eddc",
  rust: "#a8502c",
  coral: "#ee7b62",
  charcoal: "#3b3e44",
  mustard: "#d4a23a",
  terracotta: "#c0694a",
  forest: "#2f5b3c",
  sky: "#8bbbe0",
  grey: "#9a9ea3",
  gray: "#9a9ea3",
  cream: "#f1e8d3",
  burgundy: "#7a2438",
  camel: "#c19a6b",
  blush: "#e8b4b0",
  silver: "#c5c9ce",
  graphite: "#4a4d52",
  midnight: "#1e2a44",
  oat: "#e3d6bf",
  tan: "#c49a6c",
  brown: "#7a5234",
  orange: "#e07b2e",
  lavender: "#b3a3d6",
  pink: "#e79bb0",
  yellow: "#f0c94a",
  purple: "#6d4c8f",
  teal: "#2a8a8a",
  gold: "#c9a646",
  rose: "#d98e98",
  copper: "#b8703e",
  brass: "#c7a14a",
  walnut: "#6e4b33",
  oak: "#c29a64",
  bamboo: "#d3b77c",
  cork: "#b88d5e",
  denim: "#3e5f8a",
  leather: "#8a5a3b",
  suede: "#a9825c",
  kraft: "#b99466",
  linen: "#e4dccb",
  amber: "#d4913a",
  eucalyptus: "#8db3a0",
  iron: "#45484e",
  steel: "#aeb4bb",
  titanium: "#9aa0a6",
  glass: "#bcd9de",
  porcelain: "#f1f1ee",
  stoneware: "#b7a48f",
};

/** Pleasant product colours for names without a colour word. */
const FALLBACK_COLORS = ["#2f5d9e", "#c8372d", "#3f7d4e", "#d4a23a", "#6d4c8f", "#2a8a8a", "#ee7b62", "#22335a", "#9fb39a", "#c0694a", "#5d6b78", "#e8b4b0"];

/** Studio backdrops: [top, bottom] of the wall gradient. */
const BACKDROPS: readonly (readonly [string, string])[] = [
  ["#f6f1ea", "#e4d9cb"],
  ["#eef2f6", "#d7e0ea"],
  ["#f1f4ee", "#dbe4d3"],
  ["#f7eeee", "#e8d6d6"],
  ["#f3f1f8", "#dfd9ea"],
  ["#f6f4ea", "#e6e0c8"],
];

const VIEWS = ["front view", "three-quarter view", "side view", "close-up"];

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function mix(hex: string, toward: string, t: number): string {
  const a = Number.parseInt(hex.slice(1), 16);
  const b = Number.parseInt(toward.slice(1), 16);
  let out = "#";
  for (const shift of [16, 8, 0]) {
    const x = (a >> shift) & 255;
    const y = (b >> shift) & 255;
    out += Math.round(x + (y - x) * t)
      .toString(16)
      .padStart(2, "0");
  }
  return out;
}

function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return (0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
}

function palette(c: string): Pal {
  const light = luminance(c);
  return {
    c,
    hi: mix(c, "#ffffff", light > 0.8 ? 0.6 : 0.3),
    lo: light < 0.2 ? mix(c, "#ffffff", 0.15) : mix(c, "#000000", 0.22),
    ln: light < 0.2 ? mix(c, "#000000", 0.5) : mix(c, "#000000", light > 0.8 ? 0.35 : 0.45),
  };
}

/** The words of a product slug without its number suffix. */
function slugWords(slug: string): string[] {
  return slug.toLowerCase().replace(/-\d+$/, "").split("-").filter(Boolean);
}

/** The shape a product word in the slug names, checked from the end of the name (two-word nouns first), or null. */
export function knownShape(slug: string): string | null {
  const words = slugWords(slug);
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i] as string;
    const shape = (i > 0 ? SHAPE_WORDS[`${words[i - 1]}-${word}`] : undefined) ?? SHAPE_WORDS[word] ?? SHAPE_WORDS[word.replace(/s$/, "")];
    if (shape) return shape;
  }
  return null;
}

/** The shape drawn for a slug: its noun when known, otherwise a generic object picked by hash. */
export function pickShape(slug: string): string {
  const generic = ["box", "bag", "bottle", "mug", "book", "jar"];
  return knownShape(slug) ?? (generic[hashString(slug) % generic.length] as string);
}

/** The object colour: the first colour or material word in the slug, else one picked by hash. */
export function pickColor(slug: string): string {
  for (const word of slugWords(slug)) {
    const hex = COLOR_WORDS[word];
    if (hex) return hex;
  }
  return FALLBACK_COLORS[hashString(`${slug}#color`) % FALLBACK_COLORS.length] as string;
}

/**
 * An 800x800 SVG picture of the product named by `slug`; `index` picks the
 * view. Deterministic, self-contained (no fonts, links or scripts) and small.
 */
export function renderProductSvg(slug: string, index: number): string {
  const words = slugWords(slug);
  const title = words.join(" ").replace(/^./, (ch) => ch.toUpperCase()) || "Product";
  const view = Math.abs(Math.trunc(index)) || 0;
  const h = hashString(slug);
  const p = palette(pickColor(slug));
  const draw = SHAPES[pickShape(slug)] ?? (SHAPES.box as Draw);
  const [wallTop, wallBottom] = BACKDROPS[(h + view) % BACKDROPS.length] as readonly [string, string];
  const turn = ((h >>> 8) % 7) - 3;

  // The object's transform per view; later indexes cycle with a different tilt.
  const kind = view % 4;
  const tilt = turn + Math.floor(view / 4) * 5;
  // Plinth view: the object mirrored, scaled down and standing on a plinth whose top is at y=560.
  const small = 0.82;
  const transforms = [
    turn ? `rotate(${turn} 400 420)` : "",
    `rotate(${-8 + tilt} 400 420) translate(10 0)`,
    `translate(${400 + 400 * small} ${560 - 604 * small}) scale(${-small} ${small})`,
    "translate(400 400) scale(1.55) translate(-400 -390)",
  ];
  const transform = transforms[kind] as string;
  const plinth =
    kind === 2
      ? `<ellipse cx="400" cy="640" rx="240" ry="38" fill="${mix(wallBottom, "#000000", 0.1)}"/><rect x="160" y="560" width="480" height="80" fill="${mix(wallBottom, "#ffffff", 0.45)}"/><ellipse cx="400" cy="560" rx="240" ry="38" fill="${mix(wallBottom, "#ffffff", 0.8)}"/>`
      : "";
  const shadow =
    kind === 3
      ? ""
      : kind === 2
        ? `<ellipse cx="400" cy="562" rx="190" ry="22" fill="url(#s)"/>`
        : `<ellipse cx="400" cy="612" rx="250" ry="30" fill="url(#s)"/>`;

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" width="800" height="800" role="img" aria-label="${escapeXml(`${title}, ${VIEWS[kind]}`)}">` +
    `<defs><linearGradient id="b" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${wallTop}"/><stop offset=".72" stop-color="${wallBottom}"/><stop offset="1" stop-color="${mix(wallBottom, "#000000", 0.06)}"/></linearGradient>` +
    `<radialGradient id="g" cx=".5" cy=".42" r=".6"><stop offset="0" stop-color="#fff" stop-opacity=".75"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>` +
    `<radialGradient id="s"><stop offset="0" stop-color="#000" stop-opacity=".28"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>` +
    `<linearGradient id="o" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${p.hi}"/><stop offset=".55" stop-color="${p.c}"/><stop offset="1" stop-color="${p.lo}"/></linearGradient></defs>` +
    `<rect width="800" height="800" fill="url(#b)"/><rect width="800" height="800" fill="url(#g)"/>${plinth}${shadow}` +
    `<g${transform ? ` transform="${transform}"` : ""}>${draw(p)}</g></svg>`
  );
}
