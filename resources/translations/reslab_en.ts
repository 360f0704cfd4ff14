<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>LesionView</name>
    <message numerus="yes">
        <source>Evaluating with %n block(s) removed…</source>
        <translation>
            <numerusform>Evaluating with %n block removed…</numerusform>
            <numerusform>Evaluating with %n blocks removed…</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>Training %n run(s): %1</source>
        <translation>
            <numerusform>Training %n run: %1</numerusform>
            <numerusform>Training %n runs: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lessontext</name>
    <message numerus="yes">
        <source>{%1}: &apos;%2&apos; takes %n run name(s)</source>
        <translation>
            <numerusform>{%1}: &apos;%2&apos; takes %n run name</numerusform>
            <numerusform>{%1}: &apos;%2&apos; takes %n run names</numerusform>
        </translation>
    </message>
</context>
</TS>
