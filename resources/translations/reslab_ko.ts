<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR" sourcelanguage="en">
<context>
    <name>BlockGraph</name>
    <message>
        <source>No net to draw: pick an architecture.</source>
        <translation>그릴 네트워크가 없습니다. 아키텍처를 고르세요.</translation>
    </message>
    <message>
        <source> (plain)</source>
        <translation> (플레인)</translation>
    </message>
    <message>
        <source>there is no graph to export</source>
        <translation>내보낼 그래프가 없습니다</translation>
    </message>
    <message>
        <source>Block graph of %1, drawn by ResLab</source>
        <translation>ResLab이 그린 %1의 블록 그래프</translation>
    </message>
    <message>
        <source>cannot write %1</source>
        <translation>%1에 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>unknown image type &apos;%1&apos;: use .png or .svg</source>
        <translation>알 수 없는 이미지 형식 &apos;%1&apos;: .png 또는 .svg를 쓰세요</translation>
    </message>
    <message>
        <source>the image is too large</source>
        <translation>이미지가 너무 큽니다</translation>
    </message>
</context>
<context>
    <name>CurvePlot</name>
    <message>
        <source>epoch</source>
        <translation>에포크</translation>
    </message>
    <message>
        <source>wall time (s)</source>
        <translation>경과 시간(초)</translation>
    </message>
    <message>
        <source>plain</source>
        <translation>plain</translation>
    </message>
    <message>
        <source>residual</source>
        <translation>잔차</translation>
    </message>
    <message>
        <source>iteration</source>
        <translation>반복</translation>
    </message>
</context>
<context>
    <name>CurvesView</name>
    <message>
        <source>iteration</source>
        <translation>반복</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>에폭</translation>
    </message>
    <message>
        <source>wall time</source>
        <translation>경과 시간</translation>
    </message>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>EMA (debiased)</source>
        <translation>EMA (편향 보정)</translation>
    </message>
    <message>
        <source>moving average</source>
        <translation>이동 평균</translation>
    </message>
    <message>
        <source>Smoothing weight: the EMA&apos;s factor; the moving average uses a window of (1 + w) / (1 - w) points</source>
        <translation>평활화 가중치: EMA의 계수이며, 이동 평균은 (1 + w) / (1 - w)개 점의 창을 씁니다</translation>
    </message>
    <message>
        <source>log x</source>
        <translation>로그 x</translation>
    </message>
    <message>
        <source>log y</source>
        <translation>로그 y</translation>
    </message>
    <message>
        <source>x:</source>
        <translation>x축:</translation>
    </message>
    <message>
        <source>smoothing:</source>
        <translation>평활화:</translation>
    </message>
    <message>
        <source>thin: training · bold: test · dashed: plain · solid: residual</source>
        <translation>가는 선: 학습 · 굵은 선: 테스트 · 점선: 플레인 · 실선: 잔차</translation>
    </message>
    <message>
        <source>error</source>
        <translation>오차</translation>
    </message>
    <message>
        <source>training error</source>
        <translation>학습 오차</translation>
    </message>
    <message>
        <source>test error</source>
        <translation>테스트 오차</translation>
    </message>
    <message>
        <source>cross-entropy loss</source>
        <translation>교차 엔트로피 손실</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>학습 손실</translation>
    </message>
    <message>
        <source>test loss</source>
        <translation>테스트 손실</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>학습률</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>오차</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>손실</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>학습률</translation>
    </message>
    <message>
        <source>Depth sweep</source>
        <translation>깊이 비교</translation>
    </message>
</context>
<context>
    <name>DepthSweepPlot</name>
    <message>
        <source>plain</source>
        <translation>plain</translation>
    </message>
    <message>
        <source>residual</source>
        <translation>잔차</translation>
    </message>
    <message>
        <source>test</source>
        <translation>테스트</translation>
    </message>
    <message>
        <source>training</source>
        <translation>학습</translation>
    </message>
    <message>
        <source>depth (layers)</source>
        <translation>깊이(층)</translation>
    </message>
    <message>
        <source>final error (%)</source>
        <translation>최종 오차(%)</translation>
    </message>
</context>
<context>
    <name>ExperimentPanel</name>
    <message>
        <source>Experiment</source>
        <translation>실험</translation>
    </message>
    <message>
        <source>Custom runs</source>
        <translation>사용자 지정 실행</translation>
    </message>
    <message>
        <source>Preset: %1</source>
        <translation>프리셋: %1</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>실행 목록</translation>
    </message>
    <message>
        <source>residual</source>
        <translation>잔차</translation>
    </message>
    <message>
        <source>plain</source>
        <translation>플레인</translation>
    </message>
    <message>
        <source>%1 (ImageNet)</source>
        <translation>%1 (ImageNet)</translation>
    </message>
    <message>
        <source>Shortcut option (paper, 4.1): A zero-pads, B projects where the shape changes, C projects everywhere</source>
        <translation>숏컷 옵션 (논문 4.1절): A는 0으로 채우고, B는 모양이 바뀌는 곳에서만 프로젝션하며, C는 모든 곳에서 프로젝션합니다</translation>
    </message>
    <message>
        <source>Width of the first stage (the paper&apos;s CIFAR nets: 16)</source>
        <translation>첫 스테이지의 폭 (논문의 CIFAR 네트워크: 16)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>추가</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>학습</translation>
    </message>
    <message>
        <source>Data set</source>
        <translation>데이터셋</translation>
    </message>
    <message>
        <source>default place</source>
        <translation>기본 위치</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>데이터 폴더</translation>
    </message>
    <message>
        <source>Average k x k pixels at load: 2 turns 28 x 28 into 14 x 14</source>
        <translation>불러올 때 k x k 픽셀을 평균합니다. 2이면 28 x 28이 14 x 14가 됩니다</translation>
    </message>
    <message>
        <source>Downsample</source>
        <translation>다운샘플</translation>
    </message>
    <message>
        <source>pad-4 crop and flip (the paper&apos;s CIFAR recipe)</source>
        <translation>4픽셀 패딩 후 자르기와 뒤집기 (논문의 CIFAR 방식)</translation>
    </message>
    <message>
        <source>Augment</source>
        <translation>증강</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>배치 크기</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>학습률</translation>
    </message>
    <message>
        <source>steps (/10 at 50% and 75%)</source>
        <translation>계단식 (50%와 75%에서 /10)</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>코사인</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>일정</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>스케줄</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>워밍업 스텝</translation>
    </message>
    <message>
        <source>by epochs</source>
        <translation>에폭 기준</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>스텝 수</translation>
    </message>
    <message>
        <source>Used when steps is 0</source>
        <translation>스텝 수가 0일 때 쓰입니다</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>에폭 수</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>시드</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>자동</translation>
    </message>
    <message>
        <source>How many runs train at the same time</source>
        <translation>동시에 학습하는 실행의 수</translation>
    </message>
    <message>
        <source>Runs at once</source>
        <translation>동시 실행</translation>
    </message>
    <message>
        <source>CPU threads of each run (at most one per core)</source>
        <translation>실행마다 쓰는 CPU 스레드 (코어당 최대 하나)</translation>
    </message>
    <message>
        <source>Threads a run</source>
        <translation>실행당 스레드</translation>
    </message>
    <message>
        <source>float32</source>
        <translation>float32</translation>
    </message>
    <message>
        <source>bfloat16 autocast (faster, not comparable bit for bit)</source>
        <translation>bfloat16 autocast (더 빠르지만 비트 단위로 같지는 않음)</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>정밀도</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>Train these runs side by side (F5)</source>
        <translation>이 실행들을 나란히 학습합니다 (F5)</translation>
    </message>
    <message>
        <source>Add nets below; they train side by side on the same data order.</source>
        <translation>아래에 네트워크를 추가하세요. 같은 데이터 순서로 나란히 학습합니다.</translation>
    </message>
    <message>
        <source>%1   (%2 layers, widths %3, shortcut %4)</source>
        <translation>%1   (%2층, 폭 %3, 숏컷 %4)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
</context>
<context>
    <name>FeatureGrid</name>
    <message>
        <source>Load an image to see its feature maps</source>
        <translation>이미지를 불러오면 특징 맵이 보입니다</translation>
    </message>
</context>
<context>
    <name>FeatureTileView</name>
    <message>
        <source>Click a tile</source>
        <translation>타일을 클릭하세요</translation>
    </message>
    <message>
        <source>x %1, y %2: %3</source>
        <translation>x %1, y %2: %3</translation>
    </message>
</context>
<context>
    <name>FeaturesSession</name>
    <message>
        <source>%1 from %2</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 while it trains: step %2</source>
        <translation>학습 중인 %1: 스텝 %2</translation>
    </message>
    <message>
        <source>%1 with random weights (seed 0)</source>
        <translation>무작위 가중치의 %1 (시드 0)</translation>
    </message>
    <message>
        <source>%1 test image #%2 (label: %3)</source>
        <translation>%1 테스트 이미지 #%2 (레이블: %3)</translation>
    </message>
</context>
<context>
    <name>FeaturesView</name>
    <message>
        <source>There is no weights file or run folder %1</source>
        <translation>가중치 파일이나 실행 폴더가 없습니다: %1</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>%1 불러오는 중…</translation>
    </message>
    <message>
        <source>%1 holds no image</source>
        <translation>%1에 이미지가 없습니다</translation>
    </message>
    <message>
        <source>There is no sample image &apos;%1&apos;; the samples are: %2</source>
        <translation>샘플 이미지 &apos;%1&apos;이(가) 없습니다. 샘플 목록: %2</translation>
    </message>
    <message>
        <source>sample: %1</source>
        <translation>샘플: %1</translation>
    </message>
    <message>
        <source>Load weights first: the test image comes from the net&apos;s data set</source>
        <translation>먼저 가중치를 불러오세요. 테스트 이미지는 네트워크의 데이터셋에서 가져옵니다</translation>
    </message>
    <message>
        <source>ImageNet&apos;s test split is not on this machine: open an image file or pick a sample</source>
        <translation>이 컴퓨터에는 ImageNet 테스트 분할이 없습니다. 이미지 파일을 열거나 샘플을 고르세요</translation>
    </message>
    <message>
        <source>ImageNet&apos;s test split is not on this machine: the responses are for the loaded image</source>
        <translation>이 컴퓨터에는 ImageNet 테스트 분할이 없습니다. 응답은 불러온 이미지에 대한 것입니다</translation>
    </message>
    <message>
        <source>Running %1 test images through both nets…</source>
        <translation>테스트 이미지 %1장을 두 네트워크에 통과시키는 중…</translation>
    </message>
    <message>
        <source>No run is being trained or selected; start one, or open a run folder</source>
        <translation>학습 중이거나 선택된 실행이 없습니다. 실행을 시작하거나 실행 폴더를 여세요</translation>
    </message>
    <message>
        <source>Copying the weights of the training net between two steps…</source>
        <translation>학습 중인 네트워크의 가중치를 두 스텝 사이에 복사하는 중…</translation>
    </message>
    <message>
        <source>Load weights first (a .pth file, a run folder or Random): each frame goes through that net</source>
        <translation>먼저 가중치를 불러오세요 (.pth 파일, 실행 폴더 또는 무작위). 각 프레임이 그 네트워크를 통과합니다</translation>
    </message>
    <message>
        <source>the live view cannot start</source>
        <translation>실시간 보기를 시작할 수 없습니다</translation>
    </message>
    <message>
        <source>%1 gave a frame ResLab cannot read: %2</source>
        <translation>%1에서 ResLab이 읽을 수 없는 프레임이 왔습니다: %2</translation>
    </message>
    <message>
        <source>%1 · %2 frames/s%3</source>
        <translation>%1 · 초당 %2프레임%3</translation>
    </message>
    <message>
        <source> · stopped</source>
        <translation> · 멈춤</translation>
    </message>
    <message>
        <source>%1 frames through the net, %2 dropped while the net was busy, of %3 the source gave</source>
        <translation>입력된 %3프레임 중 %1프레임이 네트워크를 통과했고, 네트워크가 바쁜 동안 %2프레임을 건너뛰었습니다</translation>
    </message>
    <message>
        <source>No camera found</source>
        <translation>카메라가 없습니다</translation>
    </message>
    <message>
        <source>Video file…</source>
        <translation>동영상 파일…</translation>
    </message>
    <message>
        <source>Play a video through the net</source>
        <translation>동영상을 네트워크에 통과시키며 재생합니다</translation>
    </message>
    <message>
        <source>Videos (*.mp4 *.webm *.mkv *.avi *.mov *.ogv);;All files (*)</source>
        <translation>동영상 (*.mp4 *.webm *.mkv *.avi *.mov *.ogv);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>중지</translation>
    </message>
    <message>
        <source>%1 x %2 after: %3</source>
        <translation>%1 x %2, 전처리: %3</translation>
    </message>
    <message>
        <source>%1 · %2 channels of %3 x %4 · values %5 to %6</source>
        <translation>%1 · %3 x %4 채널 %2개 · 값 %5 ~ %6</translation>
    </message>
    <message>
        <source>%1, channel %2</source>
        <translation>%1, 채널 %2</translation>
    </message>
    <message>
        <source>Pick a layer inside a residual block (layerS.B…) to see x, F(x) and F(x)+x.</source>
        <translation>잔차 블록 안의 층(layerS.B…)을 고르면 x, F(x), F(x)+x가 보입니다.</translation>
    </message>
    <message>
        <source>x (shortcut) · ch %1</source>
        <translation>x (숏컷) · 채널 %1</translation>
    </message>
    <message>
        <source>zero: option A padding</source>
        <translation>0: 옵션 A의 패딩</translation>
    </message>
    <message>
        <source>F(x)</source>
        <translation>F(x)</translation>
    </message>
    <message>
        <source>relu(F(x) + x)</source>
        <translation>relu(F(x) + x)</translation>
    </message>
    <message>
        <source>x (input) · ch %1</source>
        <translation>x (입력) · 채널 %1</translation>
    </message>
    <message>
        <source>relu(F(x)): no shortcut</source>
        <translation>relu(F(x)): 숏컷 없음</translation>
    </message>
    <message>
        <source>%1: output</source>
        <translation>%1: 출력</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; (%2 block): %3 for this image. In trained nets the paper finds the residual functions generally small (Fig. 7): the block adds a small change to x.%4</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (%2 블록): 이 이미지에서 %3. 논문은 학습된 네트워크의 잔차 함수가 대체로 작다는 것을 보입니다 (그림 7). 블록은 x에 작은 변화만 더합니다.%4</translation>
    </message>
    <message>
        <source>residual</source>
        <translation>잔차</translation>
    </message>
    <message>
        <source>plain</source>
        <translation>플레인</translation>
    </message>
    <message>
        <source> The twin&apos;s output shows on the Twin page&apos;s first visit.</source>
        <translation> 쌍둥이 네트워크의 출력은 쌍둥이 탭을 처음 열 때 나타납니다.</translation>
    </message>
    <message>
        <source>Running the twin…</source>
        <translation>쌍둥이 네트워크를 실행하는 중…</translation>
    </message>
    <message>
        <source>The twin has no map of this shape at %1</source>
        <translation>쌍둥이 네트워크의 %1에는 이 모양의 맵이 없습니다</translation>
    </message>
    <message>
        <source>%1, ch %2</source>
        <translation>%1, 채널 %2</translation>
    </message>
    <message>
        <source>%1 − %2</source>
        <translation>%1 − %2</translation>
    </message>
    <message>
        <source>%1 at %2. Twin: %3</source>
        <translation>%1, %2. 쌍둥이: %3</translation>
    </message>
    <message>
        <source>%1 test images</source>
        <translation>테스트 이미지 %1장</translation>
    </message>
    <message>
        <source>this image</source>
        <translation>이 이미지</translation>
    </message>
    <message>
        <source>no net is loaded</source>
        <translation>불러온 네트워크가 없습니다</translation>
    </message>
    <message>
        <source>there is no grid to export</source>
        <translation>내보낼 격자가 없습니다</translation>
    </message>
    <message>
        <source>cannot write %1</source>
        <translation>%1에 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>there is no tile to export: click one</source>
        <translation>내보낼 타일이 없습니다. 타일을 클릭하세요</translation>
    </message>
    <message>
        <source>&lt;b&gt;Image&lt;/b&gt;</source>
        <translation>&lt;b&gt;이미지&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>열기…</translation>
    </message>
    <message>
        <source>A PNG, JPEG or BMP file, colour or grey; or drop one here</source>
        <translation>PNG, JPEG, BMP 파일 (컬러 또는 흑백). 여기에 끌어다 놓아도 됩니다</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>붙여넣기</translation>
    </message>
    <message>
        <source>The image on the clipboard (Ctrl+V)</source>
        <translation>클립보드의 이미지 (Ctrl+V)</translation>
    </message>
    <message>
        <source>Test image</source>
        <translation>테스트 이미지</translation>
    </message>
    <message>
        <source>A random image of the test split of the net&apos;s data set</source>
        <translation>네트워크 데이터셋의 테스트 분할에서 고른 무작위 이미지</translation>
    </message>
    <message>
        <source>Sample…</source>
        <translation>샘플…</translation>
    </message>
    <message>
        <source>Images drawn by ResLab itself (resources/samples)</source>
        <translation>ResLab이 직접 그린 이미지 (resources/samples)</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>카메라</translation>
    </message>
    <message>
        <source>Frames from a camera or a video file, live through the net (frames it cannot keep up with are dropped)</source>
        <translation>카메라나 동영상 파일의 프레임을 실시간으로 네트워크에 통과시킵니다 (따라가지 못한 프레임은 건너뜁니다)</translation>
    </message>
    <message>
        <source>no image</source>
        <translation>이미지 없음</translation>
    </message>
    <message>
        <source>&lt;b&gt;Weights&lt;/b&gt;</source>
        <translation>&lt;b&gt;가중치&lt;/b&gt;</translation>
    </message>
    <message>
        <source>.pth file…</source>
        <translation>.pth 파일…</translation>
    </message>
    <message>
        <source>Run folder…</source>
        <translation>실행 폴더…</translation>
    </message>
    <message>
        <source>A run&apos;s checkpoint.pth, with its spec.json</source>
        <translation>실행의 checkpoint.pth와 그 spec.json</translation>
    </message>
    <message>
        <source>Current run</source>
        <translation>현재 실행</translation>
    </message>
    <message>
        <source>The latest checkpoint of the run selected in the run list (or being trained); the trainer writes it between steps</source>
        <translation>실행 목록에서 선택한 (또는 학습 중인) 실행의 최신 체크포인트. 학습 중에는 스텝 사이에 기록됩니다</translation>
    </message>
    <message>
        <source>recognise</source>
        <translation>자동 인식</translation>
    </message>
    <message>
        <source>The architecture for a .pth file: recognised from its keys and shapes, or chosen</source>
        <translation>.pth 파일의 아키텍처: 키와 텐서 모양으로 알아내거나 직접 고릅니다</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>무작위</translation>
    </message>
    <message>
        <source>Freshly initialised weights for the chosen architecture (resnet18 if none)</source>
        <translation>고른 아키텍처를 새로 초기화한 가중치 (고르지 않으면 resnet18)</translation>
    </message>
    <message>
        <source>arch</source>
        <translation>아키텍처</translation>
    </message>
    <message>
        <source>no net</source>
        <translation>네트워크 없음</translation>
    </message>
    <message>
        <source>What the net sees</source>
        <translation>네트워크가 보는 입력</translation>
    </message>
    <message>
        <source>Invert (light on dark)</source>
        <translation>반전 (어두운 바탕에 밝은 물체)</translation>
    </message>
    <message>
        <source>Fashion-MNIST and MNIST draw light objects on black; a camera sees dark objects on a light ground. Shown while the camera or a video plays.</source>
        <translation>Fashion-MNIST와 MNIST는 검은 바탕에 밝은 물체를 그리지만, 카메라는 밝은 바탕의 어두운 물체를 봅니다. 카메라나 동영상이 재생되는 동안 보입니다.</translation>
    </message>
    <message>
        <source>Grad-CAM for</source>
        <translation>Grad-CAM 클래스</translation>
    </message>
    <message>
        <source>Where the last stage looks for this class (Selvaraju et al. 2017)</source>
        <translation>마지막 스테이지가 이 클래스를 알아보려고 보는 곳 (Selvaraju 외 2017)</translation>
    </message>
    <message>
        <source>Top %1</source>
        <translation>상위 %1개</translation>
    </message>
    <message>
        <source>The layer shown; follows the block graph&apos;s selection</source>
        <translation>보여 줄 층. 블록 그래프의 선택을 따릅니다</translation>
    </message>
    <message>
        <source>auto colours</source>
        <translation>자동 색상</translation>
    </message>
    <message>
        <source>grey</source>
        <translation>회색조</translation>
    </message>
    <message>
        <source>viridis</source>
        <translation>viridis</translation>
    </message>
    <message>
        <source>diverging</source>
        <translation>발산형</translation>
    </message>
    <message>
        <source>auto: diverging for signed maps (before a ReLU), viridis otherwise</source>
        <translation>자동: 부호가 있는 맵(ReLU 이전)은 발산형, 그 밖에는 viridis</translation>
    </message>
    <message>
        <source>per channel</source>
        <translation>채널별</translation>
    </message>
    <message>
        <source>per layer</source>
        <translation>층별</translation>
    </message>
    <message>
        <source>by index</source>
        <translation>번호순</translation>
    </message>
    <message>
        <source>by mean</source>
        <translation>평균순</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>Save the grid as a PNG</source>
        <translation>격자를 PNG로 저장합니다</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>층</translation>
    </message>
    <message>
        <source>Export tile…</source>
        <translation>타일 내보내기…</translation>
    </message>
    <message>
        <source>Tile</source>
        <translation>타일</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>블록</translation>
    </message>
    <message>
        <source>Twin</source>
        <translation>쌍둥이</translation>
    </message>
    <message>
        <source>The stds over a batch of the data set&apos;s test images instead of this image</source>
        <translation>이 이미지 대신 데이터셋의 테스트 이미지 한 배치에 대한 표준편차</translation>
    </message>
    <message>
        <source>Export plot…</source>
        <translation>그래프 내보내기…</translation>
    </message>
    <message>
        <source>Responses</source>
        <translation>응답</translation>
    </message>
    <message>
        <source>Open image</source>
        <translation>이미지 열기</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp);;All files (*)</source>
        <translation>이미지 (*.png *.jpg *.jpeg *.bmp);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Open weights</source>
        <translation>가중치 열기</translation>
    </message>
    <message>
        <source>PyTorch weights (*.pth *.pt);;All files (*)</source>
        <translation>PyTorch 가중치 (*.pth *.pt);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Open run folder</source>
        <translation>실행 폴더 열기</translation>
    </message>
    <message>
        <source>clipboard image</source>
        <translation>클립보드 이미지</translation>
    </message>
    <message>
        <source>The clipboard holds no image</source>
        <translation>클립보드에 이미지가 없습니다</translation>
    </message>
    <message>
        <source>dropped image</source>
        <translation>끌어다 놓은 이미지</translation>
    </message>
    <message>
        <source>Export PNG</source>
        <translation>PNG 내보내기</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 이미지 (*.png)</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>내보냈습니다: %1</translation>
    </message>
    <message>
        <source>Could not export: %1</source>
        <translation>내보낼 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>FrameSource</name>
    <message>
        <source>it gave no picture in %1 s</source>
        <translation>%1초 동안 영상이 오지 않았습니다</translation>
    </message>
    <message>
        <source>No camera was found on this machine. Connect one (a webcam shows up as /dev/video0 and must be readable by you), or play a video file instead: Camera → Video file…</source>
        <translation>이 컴퓨터에서 카메라를 찾지 못했습니다. 카메라를 연결하거나 (웹캠은 /dev/video0으로 나타나며 읽기 권한이 있어야 합니다), 대신 동영상 파일을 재생하세요: 카메라 → 동영상 파일…</translation>
    </message>
    <message>
        <source>The camera %1 does not work: %2. Another program may be using it: close that program and start the camera again, or play a video file instead.</source>
        <translation>카메라 %1이(가) 작동하지 않습니다: %2. 다른 프로그램이 쓰고 있을 수 있습니다. 그 프로그램을 닫고 카메라를 다시 시작하거나, 대신 동영상 파일을 재생하세요.</translation>
    </message>
    <message>
        <source>There is no camera &apos;%1&apos;; the cameras are: %2</source>
        <translation>카메라 &apos;%1&apos;이(가) 없습니다. 있는 카메라: %2</translation>
    </message>
    <message>
        <source>camera: %1</source>
        <translation>카메라: %1</translation>
    </message>
    <message>
        <source>it reported an error</source>
        <translation>오류를 보고했습니다</translation>
    </message>
    <message>
        <source>There is no file &apos;%1&apos;</source>
        <translation>파일 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a file</source>
        <translation>&apos;%1&apos;은(는) 파일이 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read (permissions)</source>
        <translation>&apos;%1&apos;을(를) 읽을 수 없습니다 (권한)</translation>
    </message>
    <message>
        <source>video: %1</source>
        <translation>동영상: %1</translation>
    </message>
    <message>
        <source>Cannot play &apos;%1&apos;: %2. ResLab plays what FFmpeg reads (MP4, WebM, AVI, MKV, ...).</source>
        <translation>&apos;%1&apos;을(를) 재생할 수 없습니다: %2. ResLab은 FFmpeg가 읽는 형식(MP4, WebM, AVI, MKV, ...)을 재생합니다.</translation>
    </message>
    <message>
        <source>not a video it can read</source>
        <translation>읽을 수 있는 동영상이 아닙니다</translation>
    </message>
    <message>
        <source>Cannot play &apos;%1&apos;: not a video FFmpeg reads</source>
        <translation>&apos;%1&apos;을(를) 재생할 수 없습니다: FFmpeg가 읽는 동영상이 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; holds no video (sound only?)</source>
        <translation>&apos;%1&apos;에 영상이 없습니다 (소리만 있나요?)</translation>
    </message>
</context>
<context>
    <name>GradientsView</name>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>Save every plot of this tab as PNG, PDF or SVG</source>
        <translation>이 탭의 모든 그래프를 PNG, PDF, SVG로 저장합니다</translation>
    </message>
    <message>
        <source>left:</source>
        <translation>왼쪽:</translation>
    </message>
    <message>
        <source>right:</source>
        <translation>오른쪽:</translation>
    </message>
    <message>
        <source>gradient L2 norm</source>
        <translation>기울기 L2 노름</translation>
    </message>
    <message>
        <source>Pin layer</source>
        <translation>층 고정</translation>
    </message>
    <message>
        <source>Keep the selected layer&apos;s line while you select others (up to %1)</source>
        <translation>다른 층을 선택해도 선택한 층의 선을 남깁니다 (최대 %1개)</translation>
    </message>
    <message>
        <source>Unpin all</source>
        <translation>모두 고정 해제</translation>
    </message>
    <message>
        <source>selected layer</source>
        <translation>선택한 층</translation>
    </message>
    <message>
        <source>first conv / last layer</source>
        <translation>첫 합성곱 / 마지막 층</translation>
    </message>
    <message>
        <source>first conv&apos;s norm / last layer&apos;s</source>
        <translation>첫 합성곱의 노름 / 마지막 층의 노름</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>층별</translation>
    </message>
    <message>
        <source>First / last</source>
        <translation>처음 / 마지막</translation>
    </message>
    <message>
        <source>Gradient norms</source>
        <translation>기울기 노름</translation>
    </message>
    <message>
        <source>||F(x)|| / ||x||</source>
        <translation>||F(x)|| / ||x||</translation>
    </message>
    <message>
        <source>std of the responses</source>
        <translation>응답의 표준편차</translation>
    </message>
    <message>
        <source>conv, in depth order</source>
        <translation>합성곱 (깊이 순서)</translation>
    </message>
    <message>
        <source>std of responses after BN</source>
        <translation>BN 이후 응답의 표준편차</translation>
    </message>
    <message>
        <source>probe:</source>
        <translation>측정:</translation>
    </message>
    <message>
        <source>Residual diagnostics</source>
        <translation>잔차 진단</translation>
    </message>
    <message>
        <source>Export plots</source>
        <translation>그래프 내보내기</translation>
    </message>
    <message>
        <source>ResLab</source>
        <translation>ResLab</translation>
    </message>
    <message>
        <source>The plots could not be saved:

%1</source>
        <translation>그래프를 저장할 수 없습니다:

%1</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <source>%1: gradient norm per layer</source>
        <translation>%1: 층별 기울기 노름</translation>
    </message>
    <message>
        <source>(pick a run)</source>
        <translation>(실행을 고르세요)</translation>
    </message>
    <message>
        <source>%1: ||F(x)|| / ||x|| per block</source>
        <translation>%1: 블록별 ||F(x)|| / ||x||</translation>
    </message>
    <message>
        <source>(pick a run on the right)</source>
        <translation>(오른쪽에서 실행을 고르세요)</translation>
    </message>
    <message>
        <source>all layers at iteration %1</source>
        <translation>반복 %1에서 모든 층</translation>
    </message>
    <message>
        <source>iteration %1</source>
        <translation>반복 %1</translation>
    </message>
    <message>
        <source>no probes yet</source>
        <translation>아직 측정값이 없습니다</translation>
    </message>
    <message>
        <source>The gradient norms appear here as the runs&apos; probes arrive (at iteration 1 and every 50 by default). Hover a map to see every layer&apos;s norm at that iteration below it; click a row to select the layer in every view.</source>
        <translation>실행의 측정값이 들어오는 대로 기울기 노름이 여기에 나타납니다 (기본값: 반복 1과 그 뒤 50회마다). 맵 위에 마우스를 올리면 그 반복에서 모든 층의 노름이 아래에 보이고, 행을 클릭하면 모든 보기에서 그 층이 선택됩니다.</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;: the first conv&apos;s gradient norm is %2 the last layer&apos;s at iteration %3 and %4 at iteration %5</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;: 첫 합성곱의 기울기 노름은 반복 %3에서 마지막 층의 %2, 반복 %5에서 %4</translation>
    </message>
    <message>
        <source> (between %1 and %2 over %3 probes)</source>
        <translation> (측정 %3회 동안 %1 ~ %2)</translation>
    </message>
    <message>
        <source>; %1 probes have NaN or infinite norms</source>
        <translation>; 측정 %1회에서 노름이 NaN이거나 무한대</translation>
    </message>
    <message>
        <source> The ratio swings over a factor of %1 in %2 and %3 in %4.</source>
        <translation> 이 비율은 %2에서 %1배, %4에서 %3배 넘게 오르내립니다.</translation>
    </message>
    <message>
        <source>&lt;br&gt;&lt;i&gt;The paper (section 4.1) reports that with BN the plain nets&apos; gradients keep healthy norms, and so calls degradation an optimisation difficulty rather than vanishing gradients; the numbers above are what these runs measured.&lt;/i&gt;</source>
        <translation>&lt;br&gt;&lt;i&gt;논문(4.1절)은 BN을 쓰면 플레인 네트워크의 기울기도 건강한 노름을 유지한다고 보고하며, 그래서 성능 저하를 기울기 소실이 아닌 최적화의 어려움으로 봅니다. 위의 숫자는 이 실행들이 측정한 값입니다.&lt;/i&gt;</translation>
    </message>
</context>
<context>
    <name>GraphView</name>
    <message>
        <source>The selected run</source>
        <translation>선택한 실행</translation>
    </message>
    <message>
        <source>The net to draw: a named architecture, or the run the views follow</source>
        <translation>그릴 네트워크: 이름이 있는 아키텍처, 또는 보기들이 따르는 실행</translation>
    </message>
    <message>
        <source>Twin</source>
        <translation>쌍둥이</translation>
    </message>
    <message>
        <source>Draw the plain or residual twin beside it, aligned block by block</source>
        <translation>플레인 또는 잔차 쌍둥이 네트워크를 옆에 블록끼리 맞춰 그립니다</translation>
    </message>
    <message>
        <source>Find a layer (layer3.4.conv2)</source>
        <translation>층 찾기 (layer3.4.conv2)</translation>
    </message>
    <message>
        <source>Tint the blocks by this quantity, from the latest probe of the run shown</source>
        <translation>보이는 실행의 최신 측정값에서 이 양에 따라 블록에 색을 입힙니다</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>맞춤</translation>
    </message>
    <message>
        <source>Show the whole net (F)</source>
        <translation>네트워크 전체를 보여 줍니다 (F)</translation>
    </message>
    <message>
        <source>Fit width</source>
        <translation>폭 맞춤</translation>
    </message>
    <message>
        <source>Readable size, top of the net (0)</source>
        <translation>읽기 좋은 크기로 네트워크의 맨 위를 보여 줍니다 (0)</translation>
    </message>
    <message>
        <source>Open all</source>
        <translation>모두 펼치기</translation>
    </message>
    <message>
        <source>Open every stage and block</source>
        <translation>모든 스테이지와 블록을 펼칩니다</translation>
    </message>
    <message>
        <source>Close all</source>
        <translation>모두 접기</translation>
    </message>
    <message>
        <source>Close every stage and block</source>
        <translation>모든 스테이지와 블록을 접습니다</translation>
    </message>
    <message>
        <source>Export...</source>
        <translation>내보내기...</translation>
    </message>
    <message>
        <source>Save the graph as PNG or SVG</source>
        <translation>그래프를 PNG 또는 SVG로 저장합니다</translation>
    </message>
    <message>
        <source>Net:</source>
        <translation>네트워크:</translation>
    </message>
    <message>
        <source>Tint:</source>
        <translation>색:</translation>
    </message>
    <message>
        <source>No layer matches &apos;%1&apos;.</source>
        <translation>&apos;%1&apos;에 맞는 층이 없습니다.</translation>
    </message>
    <message>
        <source>No run yet: pick an architecture above, or start an experiment.</source>
        <translation>아직 실행이 없습니다. 위에서 아키텍처를 고르거나 실험을 시작하세요.</translation>
    </message>
    <message>
        <source>%1: %2 blocks, input %3x%4, layout %5 ms. Double-click a block or stage to open or close it; drag to pan, wheel to zoom.</source>
        <translation>%1: 블록 %2개, 입력 %3x%4, 배치 %5 ms. 블록이나 스테이지를 두 번 클릭하면 펼치거나 접고, 끌면 이동하며, 휠로 확대/축소합니다.</translation>
    </message>
    <message>
        <source>unknown architecture &apos;%1&apos;; the names are: %2</source>
        <translation>알 수 없는 아키텍처 &apos;%1&apos;. 가능한 이름: %2</translation>
    </message>
    <message>
        <source>cannot describe %1: %2</source>
        <translation>%1의 구조를 알 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Run: %1</source>
        <translation>실행: %1</translation>
    </message>
    <message>
        <source>cannot describe the net of %1: %2</source>
        <translation>%1의 네트워크 구조를 알 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Found %1.</source>
        <translation>%1을(를) 찾았습니다.</translation>
    </message>
    <message>
        <source>Export the block graph</source>
        <translation>블록 그래프 내보내기</translation>
    </message>
    <message>
        <source>PNG image (*.png);;SVG drawing (*.svg)</source>
        <translation>PNG 이미지 (*.png);;SVG 그림 (*.svg)</translation>
    </message>
    <message>
        <source>ResLab</source>
        <translation>ResLab</translation>
    </message>
    <message>
        <source>Could not export: %1</source>
        <translation>내보낼 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>내보냈습니다: %1</translation>
    </message>
</context>
<context>
    <name>HeatmapPlot</name>
    <message>
        <source>iteration</source>
        <translation>반복</translation>
    </message>
</context>
<context>
    <name>LandscapeView</name>
    <message>
        <source>Run</source>
        <translation>실행</translation>
    </message>
    <message>
        <source>beside</source>
        <translation>비교</translation>
    </message>
    <message>
        <source>Points along each axis</source>
        <translation>축마다 점의 개수</translation>
    </message>
    <message>
        <source>Training images the loss is averaged over: a seeded subset, the same for every point</source>
        <translation>손실을 평균 내는 학습 이미지: 시드로 고른 부분집합이며 모든 점에서 같습니다</translation>
    </message>
    <message>
        <source>a and b run over [-range, range], in units of the filter norms (along the trajectory, the grid covers its path whatever this says)</source>
        <translation>a와 b는 필터 노름 단위로 [-범위, 범위]를 움직입니다 (학습 궤적을 따를 때는 이 값과 상관없이 격자가 경로를 덮습니다)</translation>
    </message>
    <message>
        <source>The directions&apos; seed; a surface already computed with it opens at once</source>
        <translation>방향의 시드. 이 시드로 이미 계산한 곡면은 바로 열립니다</translation>
    </message>
    <message>
        <source>random directions</source>
        <translation>무작위 방향</translation>
    </message>
    <message>
        <source>training trajectory</source>
        <translation>학습 궤적</translation>
    </message>
    <message>
        <source>Random: two filter-normalised Gaussian directions. Trajectory: the first two principal directions of the run&apos;s weight snapshots, with its path drawn (the run must have been trained with snapshots)</source>
        <translation>무작위: 필터 정규화된 두 가우스 방향. 학습 궤적: 실행의 가중치 스냅샷에서 얻은 처음 두 주성분 방향이며, 경로도 함께 그립니다 (스냅샷을 남기며 학습한 실행이어야 합니다)</translation>
    </message>
    <message>
        <source>grid</source>
        <translation>격자</translation>
    </message>
    <message>
        <source>images</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>range</source>
        <translation>범위</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>시드</translation>
    </message>
    <message>
        <source>along</source>
        <translation>방향</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>계산</translation>
    </message>
    <message>
        <source>Computes the surfaces not in the run folders yet, on copies of the nets</source>
        <translation>실행 폴더에 아직 없는 곡면을 네트워크의 복사본으로 계산합니다</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>The two surfaces as PNG, PDF or SVG, or their points as CSV</source>
        <translation>두 곡면을 PNG, PDF, SVG로, 또는 점들을 CSV로 내보냅니다</translation>
    </message>
    <message>
        <source>Export the surfaces</source>
        <translation>곡면 내보내기</translation>
    </message>
    <message>
        <source>a, at b = 0</source>
        <translation>a (b = 0)</translation>
    </message>
    <message>
        <source>alpha: 0 initial weights, 1 trained</source>
        <translation>alpha: 0은 초기 가중치, 1은 학습된 가중치</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>학습 손실</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <source>A surface is being computed; cancel it first</source>
        <translation>곡면을 계산하고 있습니다. 먼저 취소하세요</translation>
    </message>
    <message>
        <source>%1 has no checkpoint yet: its surface needs trained weights</source>
        <translation>%1에는 아직 체크포인트가 없습니다. 곡면을 계산하려면 학습된 가중치가 필요합니다</translation>
    </message>
    <message>
        <source>Both surfaces are already computed for this seed and grid</source>
        <translation>이 시드와 격자로 두 곡면을 이미 계산했습니다</translation>
    </message>
    <message>
        <source>Pick a run (and its twin) first</source>
        <translation>먼저 실행(과 그 쌍둥이)을 고르세요</translation>
    </message>
    <message>
        <source>%v of %m points</source>
        <translation>점 %m개 중 %v개</translation>
    </message>
    <message>
        <source>Computing on copies of the nets: training goes on meanwhile</source>
        <translation>네트워크의 복사본으로 계산하는 중입니다. 그동안에도 학습은 계속됩니다</translation>
    </message>
    <message>
        <source>%v of %m points, about %1 s left</source>
        <translation>점 %m개 중 %v개, 약 %1초 남음</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written</source>
        <translation>취소됨: 아무것도 쓰지 않았습니다</translation>
    </message>
    <message>
        <source>Written to the run folders (landscape-%1.json)</source>
        <translation>실행 폴더에 썼습니다 (landscape-%1.json)</translation>
    </message>
    <message>
        <source>no run</source>
        <translation>실행 없음</translation>
    </message>
    <message>
        <source>%1: not computed yet (Compute)</source>
        <translation>%1: 아직 계산하지 않음 (계산)</translation>
    </message>
    <message>
        <source>%1 · %2 x %2 points · %3 training images</source>
        <translation>%1 · %2 x %2 점 · 학습 이미지 %3장</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;: loss %2 at the trained weights, %3 to %4 on the grid; its edge averages %5x the lowest loss; %6</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;: 학습된 가중치에서 손실 %2, 격자에서 %3 ~ %4. 가장자리 평균은 최저 손실의 %5배. %6</translation>
    </message>
    <message>
        <source>1 local minimum</source>
        <translation>극소점 1개</translation>
    </message>
    <message>
        <source>%1 local minima</source>
        <translation>극소점 %1개</translation>
    </message>
    <message>
        <source>more local minima (%1 against %2)</source>
        <translation>극소점이 더 많음 (%1 대 %2)</translation>
    </message>
    <message>
        <source>steeper walls (its edge at %1x its lowest loss against %2x)</source>
        <translation>벽이 더 가파름 (가장자리가 최저 손실의 %1배, 상대는 %2배)</translation>
    </message>
    <message>
        <source> The plain net&apos;s surface is the rougher here, as Li et al. find (Fig. 5): %1.</source>
        <translation> Li 외(그림 5)의 결과처럼 여기서도 플레인 네트워크의 곡면이 더 거칩니다: %1.</translation>
    </message>
    <message>
        <source> and </source>
        <translation>, </translation>
    </message>
    <message>
        <source> Li et al. find the surface without shortcuts the rougher (Fig. 5); this grid does not show that: the plain net has no more local minima and no walls 1.5x steeper than its twin&apos;s.</source>
        <translation> Li 외는 숏컷이 없는 곡면이 더 거칠다고 보고했지만(그림 5), 이 격자에서는 그렇게 보이지 않습니다. 플레인 네트워크의 극소점이 쌍둥이보다 많지 않고, 벽도 1.5배 더 가파르지 않습니다.</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>%1에 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1에 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>contours</source>
        <translation>등고선</translation>
    </message>
    <message>
        <source>3-D surface</source>
        <translation>3차원 곡면</translation>
    </message>
    <message>
        <source>Colour maps with contour lines, or the surfaces in 3-D (drag to turn them, wheel to zoom; the pair turns together)</source>
        <translation>등고선이 있는 색 지도, 또는 3차원 곡면 (끌어서 돌리고 휠로 확대/축소합니다. 두 곡면이 함께 돌아갑니다)</translation>
    </message>
    <message>
        <source>%1 · %2 x %2 points · first estimates on %3 of %4 training images</source>
        <translation>%1 · %2 x %2 점 · 훈련 이미지 %4장 중 %3장으로 낸 첫 추정</translation>
    </message>
    <message>
        <source>drawn when the points at b = 0 are computed</source>
        <translation>b = 0의 점들이 계산되면 그려집니다</translation>
    </message>
    <message>
        <source>drawn when the surfaces are done</source>
        <translation>곡면이 완성되면 그려집니다</translation>
    </message>
    <message>
        <source>not computed with these surfaces: reslab-cli landscape RUN... --interpolate computes it</source>
        <translation>이 곡면들과 함께 계산되지 않았습니다: reslab-cli landscape RUN... --interpolate로 계산합니다</translation>
    </message>
    <message>
        <source>Li et al. (NeurIPS 2018, Fig. 5) find the loss surface of a 56-layer net without shortcuts chaotic, and ResNet-56&apos;s smooth and nearly convex.</source>
        <translation>Li 외(NeurIPS 2018, 그림 5)는 숏컷이 없는 56층 네트워크의 손실 곡면은 혼란스럽고, ResNet-56의 곡면은 매끄럽고 거의 볼록하다는 것을 발견했습니다.</translation>
    </message>
    <message>
        <source>What these runs&apos; surfaces show is said here when they are complete.</source>
        <translation>이 실행들의 곡면이 보여 주는 것은 곡면이 완성되면 여기에 표시됩니다.</translation>
    </message>
    <message>
        <source>Compute the surfaces of a run and its twin to see what these runs show.</source>
        <translation>실행과 그 쌍둥이의 곡면을 계산해 이 실행들에서는 어떤지 확인하세요.</translation>
    </message>
</context>
<context>
    <name>Language</name>
    <message>
        <source>&amp;Language</source>
        <translation>언어/Language(&amp;L)</translation>
    </message>
</context>
<context>
    <name>LesionView</name>
    <message>
        <source> images</source>
        <translation>장</translation>
    </message>
    <message>
        <source>How many test images each lesion is evaluated on</source>
        <translation>블록을 제거할 때마다 평가에 쓰는 테스트 이미지 수</translation>
    </message>
    <message>
        <source>Run lesion study</source>
        <translation>블록 제거 실험 실행</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>residual:</source>
        <translation>잔차:</translation>
    </message>
    <message>
        <source>plain twin:</source>
        <translation>플레인 쌍둥이:</translation>
    </message>
    <message>
        <source>Removes one block at a time from a trained net at test time (Veit et al. 2016): pick runs that have a checkpoint and press Run.</source>
        <translation>테스트 시점에 학습된 네트워크에서 블록을 하나씩 제거합니다 (Veit 외 2016). 체크포인트가 있는 실행을 고르고 &apos;블록 제거 실험 실행&apos;을 누르세요.</translation>
    </message>
    <message>
        <source>test error with the block removed (%)</source>
        <translation>블록 제거 시 테스트 오차 (%)</translation>
    </message>
    <message>
        <source>one block removed at a time</source>
        <translation>블록을 하나씩 제거</translation>
    </message>
    <message>
        <source>mean over random draws</source>
        <translation>무작위 추출의 평균</translation>
    </message>
    <message>
        <source>best draw</source>
        <translation>가장 좋은 추출</translation>
    </message>
    <message>
        <source>worst draw</source>
        <translation>가장 나쁜 추출</translation>
    </message>
    <message>
        <source>test error</source>
        <translation>테스트 오차</translation>
    </message>
    <message>
        <source>blocks removed at random</source>
        <translation>무작위로 제거한 블록 수</translation>
    </message>
    <message>
        <source>ResLab</source>
        <translation>ResLab</translation>
    </message>
    <message>
        <source>Export plots</source>
        <translation>그래프 내보내기</translation>
    </message>
    <message>
        <source>The plots could not be saved:

%1</source>
        <translation>그래프를 저장할 수 없습니다:

%1</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <source>A lesion study is running already.</source>
        <translation>블록 제거 실험이 이미 진행 중입니다.</translation>
    </message>
    <message>
        <source>Pick a run that has a run folder: a trained one, or one opened with File → Open run folder.</source>
        <translation>실행 폴더가 있는 실행을 고르세요. 학습을 마친 실행이나 파일 → 실행 폴더 열기로 연 실행이면 됩니다.</translation>
    </message>
    <message>
        <source>The lesion study was cancelled.</source>
        <translation>블록 제거 실험을 취소했습니다.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Evaluating…</source>
        <translation>평가하는 중…</translation>
    </message>
    <message>
        <source>Evaluating the intact net…</source>
        <translation>온전한 네트워크를 평가하는 중…</translation>
    </message>
    <message numerus="yes">
        <source>Evaluating with %n block(s) removed…</source>
        <translation>
            <numerusform>블록 %n개를 제거하고 평가하는 중…</numerusform>
        </translation>
    </message>
    <message>
        <source>Done: each bar is the test error of the net with that block removed; the dashed line is the intact residual net&apos;s.</source>
        <translation>완료: 각 막대는 그 블록을 제거한 네트워크의 테스트 오차이고, 점선은 온전한 잔차 네트워크의 테스트 오차입니다.</translation>
    </message>
    <message>
        <source>cannot be removed: it changes the shape</source>
        <translation>제거할 수 없음: 모양이 바뀝니다</translation>
    </message>
    <message>
        <source>NaN</source>
        <translation>NaN</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; (%2 test images): intact %3; removing one block gives %4 of %5 removable blocks within a point of that, the worst is %6 (%7).</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (테스트 이미지 %2장): 온전할 때 %3. 제거할 수 있는 블록 %5개 중 %4개는 하나를 제거해도 그 값과 1퍼센트포인트 이내이며, 가장 나쁜 것은 %6 (%7)입니다.</translation>
    </message>
    <message>
        <source>intact %1: %2</source>
        <translation>온전한 %1: %2</translation>
    </message>
</context>
<context>
    <name>LessonPanel</name>
    <message>
        <source>Back</source>
        <translation>이전</translation>
    </message>
    <message>
        <source>The previous step (Page Up, Left)</source>
        <translation>이전 단계 (Page Up, 왼쪽)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>다음</translation>
    </message>
    <message>
        <source>The next step (Page Down, Right, Space)</source>
        <translation>다음 단계 (Page Down, 오른쪽, Space)</translation>
    </message>
    <message>
        <source>%1x</source>
        <translation>%1x</translation>
    </message>
    <message>
        <source>Replay speed, against the pace it was recorded at</source>
        <translation>재생 속도 (녹화할 때의 속도 대비)</translation>
    </message>
    <message>
        <source>Scrub through training</source>
        <translation>학습 과정 훑어보기</translation>
    </message>
    <message>
        <source>Train it live</source>
        <translation>직접 학습하기</translation>
    </message>
    <message>
        <source>Train the same experiment on this machine; the recording stays behind it, faint, so the class sees its runs land where the recorded ones did</source>
        <translation>같은 실험을 이 컴퓨터에서 학습합니다. 녹화는 뒤에 흐리게 남아 있어, 수강생들이 새 실행이 녹화된 실행과 같은 곳에 도달하는 것을 볼 수 있습니다</translation>
    </message>
    <message>
        <source>Step %1 of %2</source>
        <translation>단계 %1/%2</translation>
    </message>
    <message>
        <source>Pause the replay</source>
        <translation>재생 일시 정지</translation>
    </message>
    <message>
        <source>Play the replay</source>
        <translation>재생</translation>
    </message>
    <message>
        <source>Replayed to the end: %1 steps</source>
        <translation>끝까지 재생했습니다: 스텝 %1개</translation>
    </message>
    <message>
        <source>Replay: step %1 of %2, %3 s left</source>
        <translation>재생: 스텝 %1/%2, %3초 남음</translation>
    </message>
</context>
<context>
    <name>LessonSession</name>
    <message>
        <source>recorded by ResLab; played back</source>
        <translation>ResLab이 녹화한 것을 재생 중</translation>
    </message>
    <message>
        <source>%1 (recorded)</source>
        <translation>%1 (녹화)</translation>
    </message>
    <message>
        <source>The experiment could not start.</source>
        <translation>실험을 시작할 수 없습니다.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>ResLab</source>
        <translation>ResLab</translation>
    </message>
    <message>
        <source>Curves</source>
        <translation>곡선</translation>
    </message>
    <message>
        <source>Block graph</source>
        <translation>블록 그래프</translation>
    </message>
    <message>
        <source>Feature maps</source>
        <translation>특징 맵</translation>
    </message>
    <message>
        <source>Gradients</source>
        <translation>기울기</translation>
    </message>
    <message>
        <source>Lesion study</source>
        <translation>블록 제거 실험</translation>
    </message>
    <message>
        <source>Loss landscape</source>
        <translation>손실 지형</translation>
    </message>
    <message>
        <source>CPU, 1 thread</source>
        <translation>CPU, 스레드 1개</translation>
    </message>
    <message>
        <source>CPU, %1 threads</source>
        <translation>CPU, 스레드 %1개</translation>
    </message>
    <message>
        <source>%1 GPU(s) · LibTorch %2</source>
        <translation>GPU %1개 · LibTorch %2</translation>
    </message>
    <message>
        <source>%1 · LibTorch %2</source>
        <translation>%1 · LibTorch %2</translation>
    </message>
    <message>
        <source>The experiment could not start: %1</source>
        <translation>실험을 시작할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The experiment could not start:

%1</source>
        <translation>실험을 시작할 수 없습니다:

%1</translation>
    </message>
    <message>
        <source>there is no view &apos;%1&apos;; the views are: %2</source>
        <translation>보기 &apos;%1&apos;이(가) 없습니다. 가능한 보기: %2</translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation>실험</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>실행 목록</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Train</source>
        <translation>학습(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>학습</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>시작(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>일시 정지(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>계속(&amp;R)</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>중지(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Degradation demo</source>
        <translation>성능 저하 데모(&amp;D)</translation>
    </message>
    <message>
        <source>Train plain-20, plain-56, resnet-20 and resnet-56 side by side (Ctrl+D)</source>
        <translation>plain-20, plain-56, resnet-20, resnet-56을 나란히 학습합니다 (Ctrl+D)</translation>
    </message>
    <message>
        <source>De&amp;pth sweep</source>
        <translation>깊이 비교(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Open run folder…</source>
        <translation>실행 폴더 열기(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Resume run folders…</source>
        <translation>실행 폴더 이어서 학습(&amp;R)…</translation>
    </message>
    <message>
        <source>Open e&amp;xperiment…</source>
        <translation>실험 열기(&amp;X)…</translation>
    </message>
    <message>
        <source>&amp;Save experiment…</source>
        <translation>실험 저장(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Export plot…</source>
        <translation>그래프 내보내기(&amp;E)…</translation>
    </message>
    <message>
        <source>Export &amp;data as CSV…</source>
        <translation>데이터를 CSV로 내보내기(&amp;D)…</translation>
    </message>
    <message>
        <source>Export net as &amp;ONNX…</source>
        <translation>네트워크를 ONNX로 내보내기(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>끝내기(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;About ResLab</source>
        <translation>ResLab 정보(&amp;A)</translation>
    </message>
    <message>
        <source>About ResLab</source>
        <translation>ResLab 정보</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;ResLab&lt;/b&gt; trains and inspects residual networks (He et al. 2015, &lt;i&gt;Deep Residual Learning for Image Recognition&lt;/i&gt;) with LibTorch %1.&lt;/p&gt;&lt;p&gt;Thin lines: training error; bold: test error; dashed: plain nets; solid: residual nets.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;ResLab&lt;/b&gt;은 LibTorch %1로 잔차 네트워크(He 외 2015, &lt;i&gt;Deep Residual Learning for Image Recognition&lt;/i&gt;)를 학습하고 살펴봅니다.&lt;/p&gt;&lt;p&gt;가는 선: 학습 오차, 굵은 선: 테스트 오차, 점선: 플레인 네트워크, 실선: 잔차 네트워크.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Paused; F7 resumes</source>
        <translation>일시 정지됨. F7을 누르면 계속합니다</translation>
    </message>
    <message>
        <source>Stopping after this step; unfinished runs write a checkpoint…</source>
        <translation>이번 스텝이 끝나면 멈춥니다. 끝나지 않은 실행은 체크포인트를 씁니다…</translation>
    </message>
    <message>
        <source>Loading the data and building the nets…</source>
        <translation>데이터를 불러오고 네트워크를 만드는 중…</translation>
    </message>
    <message>
        <source>%1 %2: %3</source>
        <translation>%1 %2: %3</translation>
    </message>
    <message>
        <source>Add at least one run, or pick a preset.</source>
        <translation>실행을 하나 이상 추가하거나 프리셋을 고르세요.</translation>
    </message>
    <message>
        <source>Cannot create the folder %1 for the runs. Check that it is writable, or pick another runs folder in the settings.</source>
        <translation>실행을 저장할 폴더 %1을(를) 만들 수 없습니다. 쓰기 권한이 있는지 확인하거나 설정에서 다른 실행 폴더를 고르세요.</translation>
    </message>
    <message>
        <source>There is no preset named &apos;%1&apos;</source>
        <translation>&apos;%1&apos;(이)라는 프리셋이 없습니다</translation>
    </message>
    <message>
        <source>How the runs share the cores</source>
        <translation>실행들이 코어를 나누어 쓰는 방식</translation>
    </message>
    <message numerus="yes">
        <source>Training %n run(s): %1</source>
        <translation>
            <numerusform>실행 %n개 학습 중: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>%p% · ETA %1</source>
        <translation>%p% · 남은 시간 %1</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>스텝 %1</translation>
    </message>
    <message>
        <source>%1 images/s</source>
        <translation>초당 이미지 %1장</translation>
    </message>
    <message>
        <source>Runs saved in %1</source>
        <translation>실행 저장 위치: %1</translation>
    </message>
    <message>
        <source>%1 is not a ResLab run folder: %2</source>
        <translation>%1은(는) ResLab 실행 폴더가 아닙니다: %2</translation>
    </message>
    <message>
        <source>The process that trained it ended at step %1 without finishing (killed?); File &gt; Resume run folders continues it</source>
        <translation>학습하던 프로세스가 스텝 %1에서 끝나지 못하고 종료되었습니다 (강제 종료?). 파일 &gt; 실행 폴더 이어서 학습으로 계속할 수 있습니다</translation>
    </message>
    <message>
        <source>Open run folder</source>
        <translation>실행 폴더 열기</translation>
    </message>
    <message>
        <source>

Pick a folder that holds spec.json and metrics.jsonl.</source>
        <translation>

spec.json과 metrics.jsonl이 있는 폴더를 고르세요.</translation>
    </message>
    <message>
        <source>Resume the runs in a folder (a run folder or an experiment folder)</source>
        <translation>폴더의 실행을 이어서 학습 (실행 폴더 또는 실험 폴더)</translation>
    </message>
    <message>
        <source>Nothing to resume: %1</source>
        <translation>이어서 학습할 것이 없습니다: %1</translation>
    </message>
    <message>
        <source>Save experiment</source>
        <translation>실험 저장</translation>
    </message>
    <message>
        <source>ResLab experiment (*.json)</source>
        <translation>ResLab 실험 (*.json)</translation>
    </message>
    <message>
        <source>Saved the experiment (%1 run folders) to %2</source>
        <translation>실험(실행 폴더 %1개)을 %2에 저장했습니다</translation>
    </message>
    <message>
        <source>Open experiment</source>
        <translation>실험 열기</translation>
    </message>
    <message>
        <source>Export plot</source>
        <translation>그래프 내보내기</translation>
    </message>
    <message>
        <source>PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)</source>
        <translation>PNG 이미지 (*.png);;PDF 문서 (*.pdf);;SVG 그림 (*.svg)</translation>
    </message>
    <message>
        <source>Export data</source>
        <translation>데이터 내보내기</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Load a net in Feature maps first (a run, a .pth file or random weights): that net is what is exported.</source>
        <translation>먼저 특징 맵에서 네트워크를 불러오세요 (실행, .pth 파일 또는 무작위 가중치). 그 네트워크를 내보냅니다.</translation>
    </message>
    <message>
        <source>This ResLab was built without ONNX export: install Debian&apos;s libonnx-dev and build it again.</source>
        <translation>이 ResLab은 ONNX 내보내기 없이 빌드되었습니다. 데비안의 libonnx-dev를 설치하고 다시 빌드하세요.</translation>
    </message>
    <message>
        <source>Export net as ONNX</source>
        <translation>네트워크를 ONNX로 내보내기</translation>
    </message>
    <message>
        <source>ONNX model (*.onnx)</source>
        <translation>ONNX 모델 (*.onnx)</translation>
    </message>
    <message>
        <source>Could not export: %1</source>
        <translation>내보낼 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>내보냈습니다: %1</translation>
    </message>
    <message>
        <source>Training is running. Stop it and close ResLab?</source>
        <translation>학습이 진행 중입니다. 멈추고 ResLab을 닫을까요?</translation>
    </message>
    <message>
        <source>Each run stops after its current step and writes a checkpoint; File &gt; Resume run folders continues it later.</source>
        <translation>각 실행은 지금 스텝을 마친 뒤 멈추고 체크포인트를 씁니다. 나중에 파일 &gt; 실행 폴더 이어서 학습으로 계속할 수 있습니다.</translation>
    </message>
    <message>
        <source>Stop and close</source>
        <translation>멈추고 닫기</translation>
    </message>
    <message>
        <source>Stopping: writing the checkpoints, then ResLab closes…</source>
        <translation>멈추는 중: 체크포인트를 쓴 뒤 ResLab이 닫힙니다…</translation>
    </message>
    <message>
        <source>Open &amp;lesson…</source>
        <translation>레슨 열기(&amp;L)…</translation>
    </message>
    <message>
        <source>Save lesso&amp;n…</source>
        <translation>레슨 저장(&amp;N)…</translation>
    </message>
    <message>
        <source>Write the lesson as it stands (its step, the replay, the layout) to a .reslab file to share</source>
        <translation>지금 상태의 레슨(단계, 재생, 화면 배치)을 공유할 수 있는 .reslab 파일로 씁니다</translation>
    </message>
    <message>
        <source>&amp;Lessons</source>
        <translation>레슨(&amp;L)</translation>
    </message>
    <message>
        <source>Open lesson file…</source>
        <translation>레슨 파일 열기…</translation>
    </message>
    <message>
        <source>&amp;Close the lesson</source>
        <translation>레슨 닫기(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Presenter</source>
        <translation>발표자 모드(&amp;P)</translation>
    </message>
    <message>
        <source>Full screen for a projector: large type, docks hidden (F11; Esc leaves)</source>
        <translation>프로젝터용 전체 화면: 큰 글씨, 도킹 창 숨김 (F11, Esc로 나가기)</translation>
    </message>
    <message>
        <source>Leave presenter layout</source>
        <translation>발표자 모드 나가기</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>다음 단계</translation>
    </message>
    <message>
        <source>Previous step</source>
        <translation>이전 단계</translation>
    </message>
    <message>
        <source>Training is running; stop it (Shift+F5) before opening a lesson.</source>
        <translation>학습이 진행 중입니다. 레슨을 열기 전에 학습을 멈추세요 (Shift+F5).</translation>
    </message>
    <message>
        <source>Lesson</source>
        <translation>레슨</translation>
    </message>
    <message>
        <source>Lesson: %1. Page Down or Space for the next step, Page Up for the previous one; F11 for the presenter layout</source>
        <translation>레슨: %1. Page Down이나 Space는 다음 단계, Page Up은 이전 단계, F11은 발표자 모드</translation>
    </message>
    <message>
        <source>No lesson is open: open one from Help &gt; Lessons first.</source>
        <translation>열린 레슨이 없습니다. 먼저 도움말 &gt; 레슨에서 여세요.</translation>
    </message>
    <message>
        <source>Open lesson</source>
        <translation>레슨 열기</translation>
    </message>
    <message>
        <source>ResLab lesson (*.reslab)</source>
        <translation>ResLab 레슨 (*.reslab)</translation>
    </message>
    <message>
        <source>Save lesson</source>
        <translation>레슨 저장</translation>
    </message>
    <message>
        <source>Saved the lesson to %1</source>
        <translation>레슨을 %1에 저장했습니다</translation>
    </message>
    <message>
        <source>--compute goes with --view landscape or landscape-3d</source>
        <translation>--compute는 --view landscape 또는 landscape-3d와 함께 씁니다</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1에 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 is not a saved ResLab experiment.</source>
        <translation>%1은(는) 저장된 ResLab 실험이 아닙니다.</translation>
    </message>
    <message>
        <source>gradient norm, mean of the block&apos;s layers</source>
        <translation>기울기 노름, 블록 안 층들의 평균</translation>
    </message>
    <message>
        <source>gradient norm, max of the block&apos;s layers</source>
        <translation>기울기 노름, 블록 안 층들의 최댓값</translation>
    </message>
    <message>
        <source>std of the block&apos;s last response</source>
        <translation>블록 마지막 응답의 표준편차</translation>
    </message>
    <message>
        <source>||F(x)|| / ||x||</source>
        <translation>||F(x)|| / ||x||</translation>
    </message>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>grad norm (mean)</source>
        <translation>기울기 노름 (평균)</translation>
    </message>
    <message>
        <source>grad norm (max)</source>
        <translation>기울기 노름 (최대)</translation>
    </message>
    <message>
        <source>response std</source>
        <translation>응답 표준편차</translation>
    </message>
    <message>
        <source>||F(x)||/||x||</source>
        <translation>||F(x)||/||x||</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>읽을 수 없음</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>중단됨</translation>
    </message>
    <message>
        <source>following</source>
        <translation>추적 중</translation>
    </message>
    <message>
        <source>recorded</source>
        <translation>녹화됨</translation>
    </message>
    <message>
        <source>replaying</source>
        <translation>재생 중</translation>
    </message>
    <message>
        <source>%1 · %2 ranks</source>
        <translation>%1 · 랭크 %2개</translation>
    </message>
</context>
<context>
    <name>Replay</name>
    <message>
        <source>there is no recording &apos;%1&apos; in %2 (make it with tools/make-recordings)</source>
        <translation>%2에 녹화 &apos;%1&apos;이(가) 없습니다 (tools/make-recordings로 만드세요)</translation>
    </message>
    <message>
        <source>%1 is not a folder</source>
        <translation>%1은(는) 폴더가 아닙니다</translation>
    </message>
    <message>
        <source>the recording %1 has no run &apos;%2&apos; (it has %3)</source>
        <translation>녹화 %1에 실행 &apos;%2&apos;이(가) 없습니다 (있는 실행: %3)</translation>
    </message>
    <message>
        <source>%1 holds no records</source>
        <translation>%1에 기록이 없습니다</translation>
    </message>
    <message>
        <source>Cannot play the recording: %1</source>
        <translation>녹화를 재생할 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>ResponsesPlot</name>
    <message>
        <source>Std of layer responses (after BN, before ReLU or addition)</source>
        <translation>층 응답의 표준편차 (BN 이후, ReLU나 덧셈 이전)</translation>
    </message>
    <message>
        <source>No responses yet</source>
        <translation>아직 응답이 없습니다</translation>
    </message>
    <message>
        <source>3x3 layer index (original order)</source>
        <translation>3x3 층 번호 (원래 순서)</translation>
    </message>
</context>
<context>
    <name>RunListView</name>
    <message>
        <source>Run</source>
        <translation>실행</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>스텝</translation>
    </message>
    <message>
        <source>Train error</source>
        <translation>학습 오차</translation>
    </message>
    <message>
        <source>Test error</source>
        <translation>테스트 오차</translation>
    </message>
</context>
<context>
    <name>Surface3D</name>
    <message>
        <source>The 3-D view needs OpenGL, which this display does not offer (a remote or headless session). The contour view shows the same surface.</source>
        <translation>3차원 보기에는 OpenGL이 필요한데, 이 화면에는 없습니다 (원격 또는 화면 없는 세션). 등고선 보기가 같은 곡면을 보여 줍니다.</translation>
    </message>
    <message>
        <source>log10 training loss</source>
        <translation>log10 훈련 손실</translation>
    </message>
</context>
<context>
    <name>SurfacePlot</name>
    <message>
        <source>a (direction 1)</source>
        <translation>a (방향 1)</translation>
    </message>
    <message>
        <source>b (direction 2)</source>
        <translation>b (방향 2)</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>학습 손실</translation>
    </message>
</context>
<context>
    <name>TrainingWorker</name>
    <message>
        <source>%1: choose it under Data folder.</source>
        <translation>%1: 데이터 폴더에서 고르세요.</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>lessonfile</name>
    <message>
        <source>this field is unknown; the fields here are %1</source>
        <translation>알 수 없는 필드입니다. 여기서 쓸 수 있는 필드: %1</translation>
    </message>
    <message>
        <source>expected a text, found %1</source>
        <translation>텍스트가 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>a language is two lower-case letters (en, ko)</source>
        <translation>언어는 소문자 두 글자입니다 (en, ko)</translation>
    </message>
    <message>
        <source>expected a text or {&quot;en&quot;: ..., &quot;ko&quot;: ...}, found %1</source>
        <translation>텍스트나 {&quot;en&quot;: ..., &quot;ko&quot;: ...}가 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>비어 있습니다</translation>
    </message>
    <message>
        <source>expected a list of texts, found %1</source>
        <translation>텍스트 목록이 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of %2</source>
        <translation>&apos;%1&apos;은(는) %2 중 하나가 아닙니다</translation>
    </message>
    <message>
        <source>expected a number from %1 to %2, found %3</source>
        <translation>%1에서 %2 사이의 수가 와야 하는데 %3이(가) 있습니다</translation>
    </message>
    <message>
        <source>expected an object, found %1</source>
        <translation>객체가 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a claim; the claims are higher, not_higher, below</source>
        <translation>&apos;%1&apos;은(는) 주장이 아닙니다. 쓸 수 있는 주장: higher, not_higher, below</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a view; the views are %2</source>
        <translation>&apos;%1&apos;은(는) 보기가 아닙니다. 가능한 보기: %2</translation>
    </message>
    <message>
        <source>the experiment has no run &apos;%1&apos;; its runs are %2</source>
        <translation>실험에 실행 &apos;%1&apos;이(가) 없습니다. 실험의 실행: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a named net (resnet18, plain56, ...)</source>
        <translation>&apos;%1&apos;은(는) 이름이 있는 네트워크가 아닙니다 (resnet18, plain56, ...)</translation>
    </message>
    <message>
        <source>expected true/false, found %1</source>
        <translation>true/false가 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>not JSON (%1 at byte %2)</source>
        <translation>JSON이 아닙니다 (%2바이트 위치에서 %1)</translation>
    </message>
    <message>
        <source>not a lesson: expected a JSON object</source>
        <translation>레슨이 아닙니다: JSON 객체가 와야 합니다</translation>
    </message>
    <message>
        <source>expected &quot;%1&quot;: this is not a ResLab lesson</source>
        <translation>&quot;%1&quot;이(가) 와야 합니다: ResLab 레슨이 아닙니다</translation>
    </message>
    <message>
        <source>expected a whole number from 1, found %1</source>
        <translation>1 이상의 정수가 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>%1 is newer than this ResLab reads (%2): open it with a newer ResLab</source>
        <translation>%1은(는) 이 ResLab이 읽을 수 있는 것보다 새 형식입니다 (%2). 더 새로운 ResLab으로 여세요</translation>
    </message>
    <message>
        <source>expected an object with a preset or runs, found %1</source>
        <translation>preset이나 runs가 있는 객체가 와야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>give a preset or runs, not both</source>
        <translation>preset과 runs 중 하나만 주세요</translation>
    </message>
    <message>
        <source>expected a list of runs (each as a run folder&apos;s spec.json)</source>
        <translation>실행 목록이 와야 합니다 (각각 실행 폴더의 spec.json 형식)</translation>
    </message>
    <message>
        <source>give a preset or runs</source>
        <translation>preset이나 runs를 주세요</translation>
    </message>
    <message>
        <source>expected a list of 1 to %1 steps, found %2</source>
        <translation>단계가 1개에서 %1개인 목록이 와야 하는데 %2이(가) 있습니다</translation>
    </message>
    <message>
        <source>%1 steps</source>
        <translation>단계 %1개</translation>
    </message>
    <message>
        <source>%1 is not a file</source>
        <translation>%1은(는) 파일이 아닙니다</translation>
    </message>
    <message>
        <source>%1: there is no such file, and no shipped lesson of that name (the lessons are %2)</source>
        <translation>%1: 그런 파일이 없고, 그 이름으로 함께 제공되는 레슨도 없습니다 (레슨: %2)</translation>
    </message>
    <message>
        <source>%1 is %2 MiB; a lesson is at most 4 MiB</source>
        <translation>%1은(는) %2 MiB입니다. 레슨은 최대 4 MiB입니다</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 is not a lesson ResLab can open: %2</source>
        <translation>%1은(는) ResLab이 열 수 있는 레슨이 아닙니다: %2</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>%1에 쓸 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>lessontext</name>
    <message>
        <source>{%1}: &apos;%2&apos; is not a quantity; the quantities are %3, gap, verdict</source>
        <translation>{%1}: &apos;%2&apos;은(는) 양이 아닙니다. 쓸 수 있는 양: %3, gap, verdict</translation>
    </message>
    <message numerus="yes">
        <source>{%1}: &apos;%2&apos; takes %n run name(s)</source>
        <translation>
            <numerusform>{%1}: &apos;%2&apos;에는 실행 이름이 %n개 필요합니다</numerusform>
        </translation>
    </message>
    <message>
        <source>{%1}: the experiment has no run &apos;%2&apos;; its runs are %3</source>
        <translation>{%1}: 실험에 실행 &apos;%2&apos;이(가) 없습니다. 실험의 실행: %3</translation>
    </message>
    <message>
        <source>(What these runs show appears here when they have finished.)</source>
        <translation>(이 실행들이 보여 주는 결과는 실행이 끝나면 여기에 나타납니다.)</translation>
    </message>
</context>
</TS>
