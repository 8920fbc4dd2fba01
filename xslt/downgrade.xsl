<?xml version="1.0" encoding="UTF-8"?>
<!--
  Downgrade: explicit PCI controllers written for an older peer.  The
  engine first reads every controller into the explicit form with
  upgrade.xsl; this stylesheet then writes each explicit one for the
  target (its result has the shape described in upgrade.xsl):

    target 'legacy'   model-only, the version-less form of issue one's
                      peers: implied-implementation, root-bus, pseries-phb;
    target 'libvirt'  what libvirt peer-version parses and reads as the same
                      hardware: the rule whose version range (data file)
                      holds the peer writes the spelling, after the peer's
                      support for kind, implementation, <target> attributes
                      and children is checked (checks/peer-support.xsl);
    target 'explicit' nothing is written: the pass runs only to check, as
                      for every target, what the target's QEMU has
                      (checks/qemu-support.xsl, when target-caps is given).

  A controller the target cannot represent is refused, never given another
  implementation unless the user lets one replace it (the replace
  parameter), and then reported (dc:replaced).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:include href="pci-kinds.xsl"/>
  <xsl:include href="common.xsl"/>
  <xsl:include href="checks/peer-support.xsl"/>
  <xsl:include href="checks/qemu-support.xsl"/>
  <xsl:include href="rules/root-bus.downgrade.xsl"/>
  <xsl:include href="rules/pseries-phb.downgrade.xsl"/>
  <xsl:include href="rules/implied-implementation.downgrade.xsl"/>
  <xsl:include href="rules/model-name-child.downgrade.xsl"/>
  <xsl:output method="xml" encoding="UTF-8"/>

  <!-- Whether the peer is in the range of libvirt versions a rule writes for (data file). -->
  <xsl:variable name="dc:peer-in-model-name-child"
      select="$target = 'libvirt'
              and $peer-version >= number(substring-before(substring-after($dc:rule-since, '|model-name-child='), '='))
              and number(substring-before(substring-after($dc:rule-before, '|model-name-child='), '=')) > $peer-version"/>
  <xsl:variable name="dc:peer-in-implied-implementation"
      select="$target = 'legacy'
              or ($peer-version >= number(substring-before(substring-after($dc:rule-since, '|implied-implementation='), '='))
                  and number(substring-before(substring-after($dc:rule-before, '|implied-implementation='), '=')) > $peer-version)"/>

  <!-- Every controller selected here matches a template of mode "downgrade": a
       built-in template is never reached (libxslt before 1.1.39 does not
       hold those to the template depth: see src/lib/rules.c). -->
  <xsl:template match="/">
    <dc:conversion direction="downgrade">
      <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
        <dc:controller>
          <xsl:apply-templates select="." mode="downgrade"/>
        </dc:controller>
      </xsl:for-each>
    </dc:conversion>
  </xsl:template>

  <!-- Not explicit: the read pass refused it, and said why. -->
  <xsl:template match="controller[not(@subType)]" mode="downgrade"/>

  <xsl:template match="controller" mode="downgrade">
    <xsl:variable name="kind" select="string(@subType)"/>
    <xsl:variable name="pseries-phb"
        select="contains($dc:implied-pseries, concat('|', $kind, '=', @model, '|')) and $dc:guest-pseries != 'no'"/>
    <!-- Whether the implementation will be written in a <model name> child. -->
    <xsl:variable name="pinnable" select="$dc:peer-in-model-name-child and not($pseries-phb)"/>
    <!-- What a model-only controller means on the target: the user's assumption first. -->
    <xsl:variable name="implied"
        select="substring-before(substring-after(concat($assume, $dc:implied), concat('|', $kind, '=')), '|')"/>
    <xsl:variable name="unsupported">
      <xsl:if test="$target = 'libvirt'">
        <xsl:call-template name="peer-support.unsupported">
          <xsl:with-param name="pinnable" select="$pinnable"/>
        </xsl:call-template>
      </xsl:if>
    </xsl:variable>
    <!--
      The implementation written: the controller's own, or where the peer
      lacks it the one the user lets replace it (replace option), if the
      peer has that one: pinned, a version that knows it; model-only, the
      one the peer implies.
    -->
    <xsl:variable name="replacement"
        select="substring-before(substring-after($replace, concat('|', $kind, '=', @model, '=')), '|')"/>
    <xsl:variable name="model">
      <xsl:choose>
        <xsl:when test="$replacement = ''">
          <xsl:value-of select="@model"/>
        </xsl:when>
        <xsl:when test="string($unsupported) = 'implementation'
                        and $peer-version >= number(substring-before(substring-after($dc:implementation-since, concat('|', $kind, '=', $replacement, '=')), '='))">
          <xsl:value-of select="$replacement"/>
        </xsl:when>
        <xsl:when test="string($unsupported) = '' and not($dc:peer-in-model-name-child)
                        and $dc:peer-in-implied-implementation and not($pseries-phb)
                        and string(@model) != $implied and $replacement = $implied">
          <xsl:value-of select="$replacement"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="@model"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="$model != string(@model)">
      <dc:replaced kind="{$kind}" from="{@model}" to="{$model}"
                   from-pci-id="{substring-before(substring-after($dc:implementation-pci-id, concat('|', $kind, '=', @model, '=')), '|')}"
                   to-pci-id="{substring-before(substring-after($dc:implementation-pci-id, concat('|', $kind, '=', $model, '=')), '|')}"/>
    </xsl:if>
    <xsl:variable name="lacking">
      <xsl:call-template name="qemu-support.lacking">
        <xsl:with-param name="model" select="$model"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="string($unsupported) != '' and $model = string(@model)">
        <xsl:call-template name="peer-support.refuse">
          <xsl:with-param name="pinnable" select="$pinnable"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="string($lacking) != ''">
        <xsl:call-template name="qemu-support.refuse">
          <xsl:with-param name="model" select="$model"/>
        </xsl:call-template>
      </xsl:when>
      <!-- The explicit form, checked against the target's QEMU only: as it is. -->
      <xsl:when test="$target = 'explicit'"/>
      <xsl:otherwise>
        <xsl:if test="$target = 'libvirt'">
          <xsl:call-template name="peer-support.losses"/>
        </xsl:if>
        <xsl:choose>
          <!-- A pSeries PHB: pinned where the peer knows its name, else what the peer implies. -->
          <xsl:when test="$pseries-phb and $dc:peer-in-model-name-child
                          and $peer-version >= number(substring-before(substring-after($dc:implementation-since, concat('|', $kind, '=', @model, '=')), '='))">
            <xsl:call-template name="model-name-child.downgrade"/>
          </xsl:when>
          <xsl:when test="contains($dc:implied-pseries, concat('|', $kind, '=')) and $dc:guest-pseries != 'no'">
            <xsl:call-template name="pseries-phb.downgrade"/>
          </xsl:when>
          <xsl:when test="contains($dc:root-kinds, concat('|', $kind, '|'))">
            <xsl:call-template name="root-bus.downgrade"/>
          </xsl:when>
          <xsl:when test="$dc:peer-in-model-name-child">
            <xsl:call-template name="model-name-child.downgrade">
              <xsl:with-param name="model" select="$model"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="$dc:peer-in-implied-implementation">
            <xsl:call-template name="implied-implementation.downgrade">
              <xsl:with-param name="implied" select="$implied"/>
              <xsl:with-param name="model" select="$model"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <xsl:message terminate="yes">no rule in data/pci-kinds.xml writes <xsl:value-of select="$kind"/> for libvirt <xsl:value-of select="$peer"/></xsl:message>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
